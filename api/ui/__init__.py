"""The staff web UI: server-rendered pages (Jinja2 + htmx) under /ui, on the same services
and roles as the JSON API."""

import hashlib

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from api.ui import errors as ui_errors
from api.ui.render import STATIC_DIR
from api.ui.routes import admin, auth, dashboard, desk, ops, partner, public, rebuttals, sources
from api.ui.settings import UiSettings

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(sources.router)
router.include_router(ops.router)
router.include_router(desk.router)
router.include_router(rebuttals.router)
router.include_router(partner.router)
router.include_router(public.router)
router.include_router(dashboard.router)
router.include_router(admin.router)


def session_secret(secret_key: str) -> str:
    # Derived, so the session cookie and the API's bearer tokens are never signed alike.
    return hashlib.sha256(f"vigil-ui-session:{secret_key}".encode()).hexdigest()


def install(app: FastAPI, settings: UiSettings | None = None) -> None:
    settings = settings or UiSettings()
    app.state.ui_settings = settings
    secure = settings.cookie_secure
    if secure is None:
        secure = app.state.settings.env == "production"
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(app.state.settings.secret_key),
        session_cookie=settings.session_cookie,
        max_age=settings.session_minutes * 60,
        same_site="lax",
        https_only=secure,
    )
    app.mount("/ui/static", StaticFiles(directory=STATIC_DIR), name="ui-static")
    app.include_router(router)
    ui_errors.install(app)
