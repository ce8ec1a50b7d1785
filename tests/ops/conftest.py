"""Fixtures for ops tests: a private database for multi-process tests, real processes.

Multi-process tests never use the shared test database (the suite's own fixtures empty
it between tests): on PostgreSQL they get a fresh `vigil_ops_<random>` database, on
SQLite a fresh file.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from models.db import make_engine
from models.migrate import upgrade
from tests.conftest import REPO_ROOT, TEST_DATABASE_URL

IS_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")
REDIS_URL = os.environ.get("VIGIL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def wait_until(
    predicate: Callable[[], object], *, timeout: float, interval: float = 0.1, what: str = ""
) -> None:
    """Poll until `predicate` is true; fail with `what` after `timeout` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")


@pytest.fixture
def ops_database(tmp_path: Path) -> Iterator[str]:
    """A migrated database of its own: PostgreSQL when the suite runs on it, else SQLite."""
    if IS_POSTGRES:
        name = f"vigil_ops_{uuid.uuid4().hex[:10]}"
        admin_url = make_url(TEST_DATABASE_URL).set(database="postgres")
        admin = make_engine(admin_url.render_as_string(hide_password=False))
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'ops.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    if IS_POSTGRES:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def ops_engine(ops_database: str) -> Iterator[Engine]:
    engine = make_engine(ops_database)
    yield engine
    engine.dispose()


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def alive(self) -> bool:
        return self.popen.poll() is None


@dataclass
class Processes:
    """Starts `python -m api.cli ...` processes and always ends them after the test."""

    tmp_path: Path
    base_env: dict[str, str]
    started: list[Proc] = field(default_factory=list)

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> Proc:
        log = self.tmp_path / f"{name}.log"
        handle = log.open("wb")
        popen = subprocess.Popen(
            [sys.executable, "-m", *args],
            cwd=REPO_ROOT,
            env={**self.base_env, **(env or {})},
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
        handle.close()
        proc = Proc(name, popen, log)
        self.started.append(proc)
        return proc

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", *args],
            cwd=REPO_ROOT,
            env={**self.base_env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def stop(self, proc: Proc, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if proc.alive():
            proc.popen.send_signal(sig)
        try:
            proc.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.popen.kill()
            proc.popen.wait(5)

    def stop_all(self) -> None:
        for proc in self.started:
            self.stop(proc)


@pytest.fixture
def processes(tmp_path: Path, ops_database: str) -> Iterator[Processes]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("VIGIL_") or key == "VIGIL_TEST_DATABASE_URL"
    }
    env.update(
        PYTHONPATH=str(REPO_ROOT),
        VIGIL_DATABASE_URL=ops_database,
        VIGIL_DATA_DIR=str(tmp_path / "data"),
        VIGIL_LOG_LEVEL="info",
        VIGIL_RECONCILE_SECONDS="0.3",
        VIGIL_TAKEOVER_SECONDS="1.5",
        VIGIL_MISFIRE_GRACE_SECONDS="30",
        VIGIL_OPS_TEST_TICKS=str(tmp_path / "ticks.txt"),
    )
    procs = Processes(tmp_path=tmp_path, base_env=env)
    yield procs
    procs.stop_all()
