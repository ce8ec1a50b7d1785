"""The per-process cache of who a bearer token's user is: changes made through the ORM take
effect at once, changes made elsewhere within the configured seconds."""

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlmodel import Session

from api import deps
from api.app import create_app
from api.principals import PrincipalCache
from api.security import create_access_token
from api.settings import ApiSettings
from models.enums import Role
from models.settings import CoreSettings
from models.users import User
from rebuttal import partners as partners_service
from tests.conftest import TEST_PASSWORD


def bearer(settings: ApiSettings, user: User) -> dict[str, str]:
    assert user.id is not None
    token = create_access_token(settings=settings, user_id=user.id, role=user.role)
    return {"Authorization": f"Bearer {token}"}


def deactivate_behind_the_orms_back(engine: Engine, user_id: int) -> None:
    # A Core UPDATE, as another process or a database console would do it.
    with engine.begin() as connection:
        connection.execute(update(User).where(User.id == user_id).values(is_active=False))  # type: ignore[arg-type]


def monitor_on_app(
    engine: Engine,
    make_user: Callable[..., User],
    api_settings: ApiSettings,
    tmp_path: Path,
    *,
    auth_cache_seconds: float,
) -> tuple[FastAPI, dict[str, str], int]:
    """An app whose auth cache keeps entries `auth_cache_seconds`, and a monitor's headers."""
    settings = api_settings.model_copy(update={"auth_cache_seconds": auth_cache_seconds})
    app = create_app(settings=settings, core=CoreSettings(data_dir=tmp_path), engine=engine)
    user = make_user(Role.monitor)
    assert user.id is not None
    return app, bearer(settings, user), user.id


def test_an_orm_deactivation_takes_effect_at_once(
    client: TestClient, engine: Engine, make_user: Callable[..., User], api_settings: ApiSettings
) -> None:
    user = make_user(Role.monitor)
    headers = bearer(api_settings, user)
    assert client.get("/cases", headers=headers).status_code == 200
    with Session(engine) as session:
        stored = session.get(User, user.id)
        assert stored is not None
        stored.is_active = False
        session.add(stored)
        session.commit()
    assert client.get("/cases", headers=headers).status_code == 401


def test_an_orm_role_change_takes_effect_at_once(
    client: TestClient, engine: Engine, make_user: Callable[..., User], api_settings: ApiSettings
) -> None:
    user = make_user(Role.admin)
    headers = bearer(api_settings, user)
    assert client.get("/users", headers=headers).status_code == 200
    with Session(engine) as session:
        stored = session.get(User, user.id)
        assert stored is not None
        stored.role = Role.monitor
        session.add(stored)
        session.commit()
    assert client.get("/users", headers=headers).status_code == 403


def test_an_update_statement_run_by_a_session_takes_effect_at_once(
    client: TestClient, engine: Engine, make_user: Callable[..., User], api_settings: ApiSettings
) -> None:
    # A bulk UPDATE through a session never reaches after_flush.
    user = make_user(Role.monitor)
    headers = bearer(api_settings, user)
    assert client.get("/cases", headers=headers).status_code == 200
    with Session(engine) as session:
        session.execute(update(User).where(User.id == user.id).values(is_active=False))  # type: ignore[arg-type]
        session.commit()
    assert client.get("/cases", headers=headers).status_code == 401


def test_a_user_read_just_before_a_change_is_committed_is_not_remembered(
    client: TestClient,
    engine: Engine,
    make_user: Callable[..., User],
    api_settings: ApiSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A request reads the user; an admin's deactivation commits before that request stores
    what it read. The stale read must not outlive the request."""
    user = make_user(Role.monitor)
    assert user.id is not None
    headers = bearer(api_settings, user)
    read = deps._user_principal

    def read_then_admin_commits(session: Session, user_id: int) -> deps.Principal:
        principal = read(session, user_id)
        with Session(engine) as admin:
            stored = admin.get(User, user_id)
            assert stored is not None
            stored.is_active = False
            admin.add(stored)
            admin.commit()
        return principal

    monkeypatch.setattr(deps, "_user_principal", read_then_admin_commits)
    assert client.get("/cases", headers=headers).status_code == 200  # it was active when read
    monkeypatch.setattr(deps, "_user_principal", read)
    assert client.get("/cases", headers=headers).status_code == 401


def test_a_change_made_elsewhere_waits_for_the_cache_to_expire(
    engine: Engine, make_user: Callable[..., User], api_settings: ApiSettings, tmp_path: Path
) -> None:
    app, headers, user_id = monitor_on_app(
        engine, make_user, api_settings, tmp_path, auth_cache_seconds=300
    )
    with TestClient(app) as client:
        assert client.get("/cases", headers=headers).status_code == 200
        deactivate_behind_the_orms_back(engine, user_id)
        if engine.dialect.name == "postgresql":
            return  # PostgreSQL tells the app about it: tests/api/test_change_feed.py
        # Within its time the process still knows the user as active...
        assert client.get("/cases", headers=headers).status_code == 200
        # ...and once the entry is gone the database is asked again.
        cache = app.state.principal_cache
        assert isinstance(cache, PrincipalCache)
        cache.clear()
        assert client.get("/cases", headers=headers).status_code == 401


def test_no_cache_when_disabled(
    engine: Engine, make_user: Callable[..., User], api_settings: ApiSettings, tmp_path: Path
) -> None:
    app, headers, user_id = monitor_on_app(
        engine, make_user, api_settings, tmp_path, auth_cache_seconds=0
    )
    with TestClient(app) as client:
        assert client.get("/cases", headers=headers).status_code == 200
        deactivate_behind_the_orms_back(engine, user_id)
        assert client.get("/cases", headers=headers).status_code == 401


def test_a_token_for_a_user_that_does_not_exist_is_refused(
    client: TestClient, api_settings: ApiSettings
) -> None:
    token = create_access_token(settings=api_settings, user_id=987654, role=Role.admin)
    response = client.get("/cases", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    # Refusals are not remembered: nothing is cached for an unknown user.
    assert client.app.state.principal_cache.get(987654) is None  # type: ignore[attr-defined]


def test_the_cache_is_bounded() -> None:
    cache = PrincipalCache(ttl=60, max_entries=3)
    for user_id in range(10):
        cache.put(user_id, object(), generation=cache.generation)
    assert sum(cache.get(i) is not None for i in range(10)) <= 3
    assert cache.get(9) is not None


def test_suspending_a_partner_shuts_out_its_people_at_once(
    client: TestClient,
    engine: Engine,
    make_user: Callable[..., User],
    make_partner: Callable[..., tuple[int, str]],
    api_settings: ApiSettings,
) -> None:
    partner_id, key = make_partner()
    person = make_user(Role.partner, partner_id=partner_id)
    headers = bearer(api_settings, person)
    assert client.get("/partner/briefs", headers=headers).status_code == 200
    login = {"username": person.username, "password": TEST_PASSWORD}
    assert client.post("/auth/token", data=login).status_code == 200

    with Session(engine) as session:
        partners_service.update(session=session, partner_id=partner_id, active=False)
        session.commit()

    assert client.get("/partner/briefs", headers=headers).status_code == 401
    assert client.get("/partner/briefs", headers={"X-API-Key": key}).status_code == 401
    assert client.post("/auth/token", data=login).status_code == 401

    with Session(engine) as session:
        partners_service.update(session=session, partner_id=partner_id, active=True)
        session.commit()
    assert client.get("/partner/briefs", headers=headers).status_code == 200
