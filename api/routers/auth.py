from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.deps import CurrentPrincipal, LoginGuardDep, SessionDep, SettingsDep, client_address
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
    responses={429: {"description": "Too many failed logins from this client; see Retry-After"}},
)
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    guard: LoginGuardDep,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
) -> Token:
    client = client_address(request)
    guard.check(form.username, client)
    user = users_service.authenticate(
        session=session, username=form.username, password=form.password
    )
    if user is None or user.id is None:
        guard.failed(form.username, client)
        raise Unauthenticated("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password.")
    guard.succeeded(form.username, client)
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
