"""The FastAPI application factory."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from api import errors, ui
from api.change_feed import ChangeFeed
from api.deps import queue_cache_for
from api.limits import BodySizeLimitMiddleware
from api.logging import RequestIdMiddleware
from api.login_guard import LoginGuard
from api.ops.settings import OpsSettings
from api.principals import PrincipalCache
from api.routers import admin, auth, health, posts, snapshots, sources
from api.routers import cases as desk_cases
from api.routers import claims as claims_routes
from api.routers import detect as detector_routes
from api.routers import ops as ops_routes
from api.routers import partner_portal as desk_partner_portal
from api.routers import rebuttals as desk_rebuttals
from api.routers import reports as desk_reports
from api.routers import webhooks as desk_webhooks
from api.schemas import COMMON_ERRORS
from api.settings import ApiSettings, check_production
from models.db import engine_for
from models.settings import CoreSettings

DESCRIPTION = """
Vigil finds false and toxic information about Vietnamese public policy, routes it to the
desk that answers it, and delivers verified rebuttals to press partners.

Authenticate with `POST /auth/token` (staff) or the `X-API-Key` header (press partners).
Errors always have the shape `{"error": {"code", "message", "request_id"}}`; messages are in
Vietnamese unless the request sends `Accept-Language: en`.
"""


def create_app(
    *,
    settings: ApiSettings | None = None,
    core: CoreSettings | None = None,
    engine: Engine | None = None,
    ops: OpsSettings | None = None,
    run_scheduler: bool = False,
) -> FastAPI:
    settings = settings or ApiSettings()
    check_production(settings)
    core = core or CoreSettings()
    engine = engine or engine_for(core.resolved_database_url)
    ops = ops or OpsSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What is alive once the app is built (the models, the routes, the libraries: about half
        # a million objects) lives as long as the process. Frozen, the collector stops walking
        # it: a full collection took ~260 ms, a pause that every request in flight waited for.
        # (Not in tests: one test process builds hundreds of apps and would keep them all.)
        if settings.env != "test":
            gc.collect()
            gc.freeze()
        # Embedded mode: this process also runs a scheduler (standby until it wins the lock).
        scheduler = None
        if run_scheduler:
            from api.scheduler import SchedulerService

            scheduler = SchedulerService(engine=engine, settings=ops)
            scheduler.start()
        # PostgreSQL tells this process about changes made by others (api/change_feed.py).
        feed = ChangeFeed(engine) if engine.dialect.name == "postgresql" else None
        if feed is not None:
            feed.start()
        try:
            yield
        finally:
            if feed is not None:
                feed.stop()
            if scheduler is not None:
                scheduler.stop()

    app = FastAPI(
        title="Vigil",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        responses=COMMON_ERRORS,
    )
    app.state.settings = settings
    app.state.core = core
    app.state.engine = engine
    app.state.ops_settings = ops
    # Per-process caches, emptied when their rows change (api/caches.py).
    app.state.principal_cache = PrincipalCache(ttl=settings.auth_cache_seconds)
    app.state.queue_cache = queue_cache_for(settings)
    app.state.login_guard = LoginGuard(
        max_failures=settings.login_max_failures,
        max_client_failures=settings.login_max_client_failures,
        window_seconds=settings.login_failure_window_minutes * 60,
    )

    errors.install(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)

    # Routes are matched in order: the triage queue, the route staff hit all day, comes
    # right after the probes, and the web pages (all under /ui) come last.
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(desk_cases.router)
    app.include_router(posts.router)
    app.include_router(admin.router)
    app.include_router(sources.router)
    app.include_router(snapshots.router)
    app.include_router(ops_routes.router)
    app.include_router(detector_routes.router)
    app.include_router(claims_routes.router)
    app.include_router(desk_rebuttals.router)
    app.include_router(desk_partner_portal.router)
    app.include_router(desk_webhooks.router)
    app.include_router(desk_reports.router)
    ui.install(app)
    return app


def serve_app() -> FastAPI:
    """What `vigil serve` runs: the API plus, unless VIGIL_SCHEDULER_IN_API=false, a scheduler."""
    return create_app(run_scheduler=OpsSettings().scheduler_in_api)
