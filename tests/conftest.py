"""Shared fixtures. Tests run on SQLite by default, on PostgreSQL when
VIGIL_TEST_DATABASE_URL names one (that is what .ci/run does for the second pass)."""

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, text
from sqlmodel import Session, SQLModel, select

import models  # noqa: F401  (registers every table)
from api.app import create_app
from api.security import create_access_token
from api.settings import ApiSettings
from models.db import make_engine
from models.enums import Role
from models.migrate import upgrade
from models.settings import CoreSettings
from models.users import User, UserCreate
from rebuttal import partners as partners_service
from rebuttal import reports as reports_service
from rebuttal import users as users_service
from rebuttal.reports import ReportIn

TEST_DATABASE_URL = os.environ.get("VIGIL_TEST_DATABASE_URL", "")
REPO_ROOT = Path(__file__).resolve().parents[1]
DATASETS_DIR = Path(os.environ.get("VIGIL_DATASETS_DIR", REPO_ROOT.parent / "shared" / "datasets"))
TEST_PASSWORD = "correct-horse-battery"
REPORT_DESCRIPTION = "Bài này nói học phí tăng gấp ba từ năm sau, gây hoang mang cho phụ huynh."


def file_report(engine: Engine, url: str, contact: str | None = None) -> int:
    """A public report of `url` (description REPORT_DESCRIPTION), committed: its id."""
    with Session(engine) as session:
        report = reports_service.submit(
            session=session,
            report_in=ReportIn(url=url, description=REPORT_DESCRIPTION, contact=contact),
            client="203.0.113.9",
        )
        session.commit()
        assert report.id is not None
        return report.id


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    try:
        engine.connect().close()
    except Exception as exc:
        # A PostgreSQL run that cannot reach its database must fail, never quietly skip.
        pytest.exit(f"VIGIL_TEST_DATABASE_URL is set but unreachable: {exc}", returncode=3)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        _reset_postgres(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'vigil-test.db'}"


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _empty_tables(engine: Engine) -> None:
    tables = [t.name for t in SQLModel.metadata.sorted_tables]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                connection.execute(text(f'DELETE FROM "{name}"'))


def count_rows(engine: Engine, model: Any) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def engine(migrated_engine: Engine) -> Iterator[Engine]:
    """The test database, migrated, emptied after each test."""
    yield migrated_engine
    _empty_tables(migrated_engine)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def api_settings() -> ApiSettings:
    return ApiSettings(env="test", secret_key="test-secret-" + "x" * 40, max_body_bytes=256 * 1024)


@pytest.fixture
def app(engine: Engine, api_settings: ApiSettings, tmp_path: Path) -> FastAPI:
    return create_app(settings=api_settings, core=CoreSettings(data_dir=tmp_path), engine=engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def make_user(engine: Engine) -> Callable[..., User]:
    def make(role: Role, username: str | None = None, partner_id: int | None = None) -> User:
        with Session(engine, expire_on_commit=False) as session:
            user = users_service.create(
                session=session,
                user_in=UserCreate(
                    username=username or f"{role.value}-{uuid.uuid4().hex[:8]}",
                    role=role,
                    password=TEST_PASSWORD,
                    partner_id=partner_id,
                ),
            )
            session.commit()
            return user

    return make


@pytest.fixture
def make_partner(engine: Engine) -> Callable[..., tuple[int, str]]:
    """A partner and one API key for it: (partner id, plain key)."""

    def make(name: str | None = None, topics: tuple[str, ...] = ()) -> tuple[int, str]:
        with Session(engine, expire_on_commit=False) as session:
            partner = partners_service.create(
                session=session, name=name or f"Báo {uuid.uuid4().hex[:6]}", topics=topics
            )
            assert partner.id is not None
            _, key = partners_service.issue_key(session=session, partner_id=partner.id)
            session.commit()
            return partner.id, key

    return make


@pytest.fixture
def auth_headers(
    make_user: Callable[..., User],
    make_partner: Callable[..., tuple[int, str]],
    api_settings: ApiSettings,
) -> Callable[[Role], dict[str, str]]:
    """Headers that authenticate as a fresh account of the given role (a key for partners)."""

    def headers(role: Role) -> dict[str, str]:
        if role == Role.partner:
            _, key = make_partner()
            return {"X-API-Key": key}
        user = make_user(role)
        assert user.id is not None
        token = create_access_token(settings=api_settings, user_id=user.id, role=user.role)
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    if not DATASETS_DIR.is_dir():
        pytest.skip(f"datasets not found at {DATASETS_DIR} (set VIGIL_DATASETS_DIR)")
    return DATASETS_DIR
