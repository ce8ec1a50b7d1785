"""Fixtures for the UI tests: browsers (test clients) logged in through the login form."""

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app
from api.settings import ApiSettings
from api.ui.settings import UiSettings
from models.db import make_engine
from models.enums import Role
from models.migrate import upgrade
from models.settings import CoreSettings
from models.users import User, UserCreate
from rebuttal import users as users_service
from tests.conftest import TEST_PASSWORD
from tests.ui.support import csrf_from

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """The UI tests log in dozens of times; argon2 at production cost would dominate their
    run time. Hashes still go through argon2 (with its parameters in the hash), only cheaper."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from rebuttal import passwords

    production = passwords._hasher
    passwords._hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=8 * 1024),))
    yield
    passwords._hasher = production


@pytest.fixture
def logged_in(
    app: FastAPI, make_user: Callable[..., User], make_partner: Callable[..., tuple[int, str]]
) -> Iterator[Callable[..., TestClient]]:
    """A client holding a session cookie for a fresh user of the role, with the CSRF header set."""
    clients: list[TestClient] = []

    def login(role: Role, partner_id: int | None = None) -> TestClient:
        if role == Role.partner and partner_id is None:
            partner_id = make_partner()[0]
        user = make_user(role, partner_id=partner_id)
        client = TestClient(app, raise_server_exceptions=False)
        clients.append(client)
        token = csrf_from(client.get("/ui/login").text)
        client.post(
            "/ui/login",
            data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": token},
        )
        client.headers["X-CSRF-Token"] = csrf_from(client.get("/ui/").text)
        client.headers["Referer"] = "http://testserver/ui/"
        return client

    yield login
    for client in clients:
        client.close()


# -- end-to-end: the app served by uvicorn, driven by the system Chromium ----------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts"
E2E_PASSWORD = "mat-khau-e2e-2026"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    # Keep each phase's report on the item so the page fixture knows if the test failed.
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium chromium-driver)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"end-to-end tests cannot run in CI: {reason}")
        pytest.skip(reason)
    return CHROMIUM


@dataclass
class LiveServer:
    url: str
    engine: Engine

    def login(self, page: "Page", username: str, password: str = E2E_PASSWORD) -> None:
        page.goto(f"{self.url}/ui/login")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_load_state()

    def user(self, role: Role, username: str, partner_id: int | None = None) -> User:
        with Session(self.engine, expire_on_commit=False) as session:
            user = users_service.get_by_username(session=session, username=username)
            if user is None:
                user = users_service.create(
                    session=session,
                    user_in=UserCreate(
                        username=username, role=role, password=E2E_PASSWORD, partner_id=partner_id
                    ),
                )
                session.commit()
            return user


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def live_server(
    chromium_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The whole app on a free local port, on its own SQLite file (also in PostgreSQL runs:
    the browser tests are about pages, and the services have their own database tests)."""
    data_dir = tmp_path_factory.mktemp("e2e")
    engine = make_engine(f"sqlite:///{data_dir / 'e2e.db'}")
    upgrade(engine)
    app = create_app(
        settings=ApiSettings(env="test", secret_key="e2e-secret-" + "y" * 40),
        core=CoreSettings(data_dir=data_dir),
        engine=engine,
    )
    # A short refresh so the browser test sees the queue update itself.
    app.state.ui_settings = UiSettings(queue_refresh_seconds=2)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield LiveServer(url=f"http://127.0.0.1:{port}", engine=engine)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator["Browser"]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: "Browser", request: pytest.FixtureRequest) -> Iterator["Page"]:
    """A fresh browser context per test; a screenshot lands in tests/_artifacts on failure."""
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
