"""Engine and session. SQLite (a file) by default, PostgreSQL in production."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from models.errors import InvalidInput
from models.settings import CoreSettings


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while a crawl or the scheduler writes; the busy timeout makes
    # concurrent writers wait instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _refuse_nul(
    _conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, _many: bool
) -> None:
    # PostgreSQL text cannot hold NUL and fails the whole statement; SQLite would store it.
    # Refusing it here, for both, gives every way in the same clear error.
    if _has_nul(parameters):
        raise InvalidInput(
            "Văn bản không được chứa ký tự NUL (\\x00).",
            "Text must not contain NUL (\\x00) characters.",
        )


def make_engine(url: str, *, echo: bool = False) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
        )
        event.listen(engine, "connect", _on_sqlite_connect)
    else:
        engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine per database URL per process."""
    return make_engine(url)


def default_engine() -> Engine:
    settings = CoreSettings()
    return engine_for(settings.resolved_database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine or default_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
