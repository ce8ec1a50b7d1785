from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.deps import CurrentPrincipal, SessionDep, SettingsDep
from api.security import create_access_token
from models.errors import Unauthenticated
from rebuttal import users as users_service

router = APIRouter(prefix="/auth", tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str


class Me(BaseModel):
    username: str
    role: str
    user_id: int | None
    partner_id: int | None


@router.post(
    "/token",
    summary="Log in with username and password (OAuth2 password flow)",
    response_model=Token,
)
def login(
    session: SessionDep,
    settings: SettingsDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> Token:
    user = users_service.authenticate(
        session=session, username=form.username, password=form.password
    )
    if user is None or user.id is None:
        raise Unauthenticated("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password.")
    token = create_access_token(settings=settings, user_id=user.id, role=user.role)
    return Token(access_token=token, role=user.role)


@router.get("/me", summary="Who the caller is", response_model=Me)
def me(principal: CurrentPrincipal) -> Me:
    return Me(
        username=principal.username,
        role=principal.role.value,
        user_id=principal.user_id,
        partner_id=principal.partner_id,
    )
