"""Failed logins are counted and a guessing client is slowed down (api/login_guard.py)."""

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.login_guard import LoginGuard
from models.enums import Role
from models.errors import RateLimited
from models.users import User
from tests.conftest import TEST_PASSWORD
from tests.ui.support import csrf_from


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def guard(clock: Clock, failures: int = 3, client_failures: int = 5) -> LoginGuard:
    return LoginGuard(
        max_failures=failures,
        max_client_failures=client_failures,
        window_seconds=600,
        clock=clock,
    )


def test_an_account_is_refused_from_a_client_after_its_failures_until_they_age_out() -> None:
    clock = Clock()
    limits = guard(clock)
    for _ in range(3):
        limits.check("bientap", "10.0.0.1")
        limits.failed("bientap", "10.0.0.1")
        clock.now += 60
    with pytest.raises(RateLimited) as refused:
        limits.check("bientap", "10.0.0.1")
    # The first failure (at 1000) leaves the window at 1600; it is now 1180.
    assert refused.value.details["retry_after"] == 420
    assert "7 phút" in refused.value.message_vi
    # The same name typed otherwise is the same account.
    with pytest.raises(RateLimited):
        limits.check(" BIENTAP ", "10.0.0.1")
    # Someone guessing from elsewhere does not lock the owner out.
    limits.check("bientap", "10.0.0.2")
    clock.now = 1600.5
    limits.check("bientap", "10.0.0.1")


def test_a_success_clears_the_account_and_a_client_trying_many_accounts_is_refused() -> None:
    clock = Clock()
    limits = guard(clock)
    limits.failed("a", "c1")
    limits.failed("a", "c1")
    limits.succeeded("a", "c1")
    limits.failed("a", "c1")
    limits.failed("a", "c1")
    limits.check("a", "c1")
    for name in ("b", "c", "d"):
        limits.failed(name, "c1")
    with pytest.raises(RateLimited):
        limits.check("someone-else", "c1")
    limits.check("someone-else", "c2")


def test_zero_turns_it_off_and_memory_is_bounded() -> None:
    clock = Clock()
    off = guard(clock, failures=0)
    for _ in range(20):
        off.failed("a", "c")
    off.check("a", "c")
    small = LoginGuard(max_failures=3, max_client_failures=5, window_seconds=60, max_keys=10)
    for i in range(100):
        small.failed(f"user{i}", f"10.0.0.{i}")
    assert len(small._failures) == 10


@pytest.fixture
def strict(app: FastAPI) -> FastAPI:
    app.state.login_guard = LoginGuard(max_failures=3, max_client_failures=10, window_seconds=900)
    return app


def test_token_endpoint_answers_429_after_repeated_failures(
    strict: FastAPI, make_user: Callable[..., User]
) -> None:
    make_user(Role.editor, username="bientap")
    with TestClient(strict, raise_server_exceptions=False) as client:
        for _ in range(3):
            wrong = client.post("/auth/token", data={"username": "bientap", "password": "x" * 8})
            assert wrong.status_code == 401
        right = {"username": "bientap", "password": TEST_PASSWORD}
        limited = client.post("/auth/token", data=right)
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) > 0
        assert "access_token" not in limited.text
        assert limited.json()["error"]["code"] == "rate_limited"
        # Another account from the same client still logs in.
        make_user(Role.monitor, username="giamsat")
        other = client.post("/auth/token", data={"username": "giamsat", "password": TEST_PASSWORD})
        assert other.status_code == 200


def test_login_page_says_why_it_refuses(strict: FastAPI, make_user: Callable[..., User]) -> None:
    user = make_user(Role.monitor)
    with TestClient(strict) as browser:
        for _ in range(3):
            token = csrf_from(browser.get("/ui/login").text)
            data = {"username": user.username, "password": "wrong-one", "csrf_token": token}
            assert browser.post("/ui/login", data=data).status_code == 401
        token = csrf_from(browser.get("/ui/login").text)
        data = {"username": user.username, "password": TEST_PASSWORD, "csrf_token": token}
        page = browser.post("/ui/login", data=data, follow_redirects=False)
        assert page.status_code == 429
        assert "Đăng nhập sai quá nhiều lần" in page.text
        assert f'value="{user.username}"' in page.text
        assert int(page.headers["retry-after"]) > 0
