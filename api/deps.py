"""Dependencies shared by routers: the session, the authenticated principal, role checks."""

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy import Engine
from sqlmodel import Session

from api.caches import ChangeCache
from api.login_guard import LoginGuard
from api.principals import PrincipalCache
from api.security import decode_access_token
from api.settings import ApiSettings
from models.cases import Case
from models.enums import Role
from models.errors import Forbidden, Unauthenticated
from models.users import User
from rebuttal import partners as partners_service
from rebuttal import users as users_service

T = TypeVar("T")

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False)


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


async def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> AsyncIterator[Session]:
    """One session per request: committed if the handler returns, rolled back if it raises.

    Opening a session costs no I/O (it connects on first use), so this runs on the event
    loop; only the commit or rollback, which talk to the database, go to the thread pool.
    """
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        if session.in_transaction():
            # One hop to the thread pool for both: each hop costs more than closing does.
            await run_in_threadpool(_commit_and_close, session)
        else:
            session.close()  # no transaction, so no connection held: nothing to wait for
    except BaseException:
        await run_in_threadpool(_rollback_and_close, session)
        raise


async def read_in_thread(session: Session, read: Callable[[], T]) -> T:
    """Run a read-only call in the thread pool and end its transaction there, in one hop:
    for the hottest read routes, which would otherwise hop once to read and once to commit."""

    def call() -> T:
        result = read()
        session.commit()
        return result

    return await run_in_threadpool(call)


def _commit_and_close(session: Session) -> None:
    # A failing commit raises before the close; the caller then rolls back and closes.
    if session.in_transaction():
        session.commit()
    session.close()


def _rollback_and_close(session: Session) -> None:
    try:
        session.rollback()
    finally:
        session.close()


# scope="function": the commit runs before the response is sent, so a commit that fails is
# a 500 and never a 200/201 for a write the database did not keep (the default, "request",
# would commit after the client already has its success).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]


@dataclass(frozen=True)
class Principal:
    """Who is calling: a staff or partner user (bearer token) or a partner API key."""

    role: Role
    username: str
    user_id: int | None = None
    partner_id: int | None = None
    key_id: int | None = None


def _unauthenticated() -> Unauthenticated:
    return Unauthenticated(
        "Cần đăng nhập: thiếu hoặc sai mã truy cập.",
        "Authentication required: missing or invalid credentials.",
    )


def queue_cache_for(settings: ApiSettings) -> ChangeCache[bytes]:
    """Rendered queue pages (api/caches.py), read from cases and their assignees."""
    return ChangeCache(settings.queue_cache_seconds, watches=(Case, User), max_entries=512)


def queue_cache(request: Request) -> ChangeCache[bytes]:
    cache: ChangeCache[bytes] = request.app.state.queue_cache
    return cache


def login_guard(request: Request) -> LoginGuard:
    guard: LoginGuard = request.app.state.login_guard
    return guard


LoginGuardDep = Annotated[LoginGuard, Depends(login_guard)]


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def user_principal(session: Session, user_id: int) -> Principal | None:
    """The principal of a user who may act now: None for an unknown or deactivated account,
    or one of a suspended partner. Bearer tokens and browser sessions both ask this."""
    user = session.get(User, user_id)
    if user is None or user.id is None or not users_service.may_act(session=session, user=user):
        return None
    return Principal(
        role=Role(user.role), username=user.username, user_id=user.id, partner_id=user.partner_id
    )


def _user_principal(session: Session, user_id: int) -> Principal:
    principal = user_principal(session, user_id)
    if principal is None:
        raise _unauthenticated()
    return principal


def _key_principal(session: Session, api_key: str) -> Principal:
    key = partners_service.authenticate_key(session=session, key=api_key)
    if key is None:
        raise _unauthenticated()
    return Principal(
        role=Role.partner,
        username=f"key:{key.prefix}",
        partner_id=key.partner_id,
        key_id=key.id,
    )


async def get_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal:
    if token:
        user_id = decode_access_token(settings=settings, token=token)
        if user_id is None:
            raise _unauthenticated()
        cache: PrincipalCache = request.app.state.principal_cache
        principal: Principal | None = cache.get(user_id)
        if principal is None:
            generation = cache.generation
            principal = await run_in_threadpool(_user_principal, session, user_id)
            cache.put(user_id, principal, generation=generation)
        return principal
    if api_key:
        return await run_in_threadpool(_key_principal, session, api_key)
    raise _unauthenticated()


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]

STAFF_ROLES = (Role.monitor, Role.editor, Role.approver, Role.ops, Role.admin)


def ensure_role(principal: Principal, allowed: set[Role]) -> Principal:
    """The principal if its role is allowed, else Forbidden naming the roles that are."""
    if principal.role not in allowed:
        names = ", ".join(sorted(r.value for r in allowed))
        raise Forbidden(
            f"Vai trò «{principal.role.value}» không được làm việc này (cần: {names}).",
            f"Role '{principal.role.value}' may not do this (needs one of: {names}).",
        )
    return principal


def ensure_partner(principal: Principal) -> Principal:
    if principal.role != Role.partner or principal.partner_id is None:
        raise Forbidden(
            "Chỉ đối tác báo chí mới dùng được mục này.",
            "Only press partners may use this.",
        )
    return principal


def require(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """Allow the given staff roles (and admin, who may do every staff action)."""
    allowed = {*roles, Role.admin}

    # Async without any I/O: checked on the event loop, no thread-pool hop.
    async def check(principal: CurrentPrincipal) -> Principal:
        return ensure_role(principal, allowed)

    return check


async def require_partner(principal: CurrentPrincipal) -> Principal:
    return ensure_partner(principal)


StaffDep = Annotated[Principal, Depends(require(*STAFF_ROLES))]
AdminDep = Annotated[Principal, Depends(require(Role.admin))]
PartnerDep = Annotated[Principal, Depends(require_partner)]
