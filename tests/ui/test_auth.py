"""Login, logout, CSRF and language switching of the web UI (no browser needed)."""

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.ui.routes.auth import safe_next
from models.enums import Role
from models.users import User
from tests.conftest import TEST_PASSWORD
from tests.ui.support import csrf_from, ui_login


@pytest.fixture
def browser(app: FastAPI) -> TestClient:
    return TestClient(app)


def test_anonymous_page_redirects_to_login_with_next(browser: TestClient) -> None:
    response = browser.get("/ui/?x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/login?next=/ui/%3Fx%3D1"


def test_htmx_request_without_session_asks_for_full_page_redirect(browser: TestClient) -> None:
    response = browser.get("/ui/", headers={"HX-Request": "true"}, follow_redirects=False)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/ui/login")


def test_login_sets_httponly_lax_cookie_and_lands_on_role_page(
    browser: TestClient, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.ops)
    token = csrf_from(browser.get("/ui/login").text)
    response = browser.post(
        "/ui/login",
        data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/ops/sources"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # test settings: plain http
    # The token from before login no longer works: the session was renewed.
    assert csrf_from(browser.get("/ui/").text) != token


def test_wrong_password_shows_the_form_again_and_stores_nothing(
    browser: TestClient, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.monitor)
    token = csrf_from(browser.get("/ui/login").text)
    response = browser.post(
        "/ui/login",
        data={"username": user.username, "password": "wrong-password", "csrf_token": token},
    )
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu." in response.text
    assert browser.get("/ui/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("token", ["", "forged-token-forged-token-forged"])
def test_login_without_the_session_csrf_token_is_refused(
    browser: TestClient, make_user: Callable[..., User], token: str
) -> None:
    user = make_user(Role.monitor)
    browser.get("/ui/login")
    response = browser.post(
        "/ui/login",
        data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "biểu mẫu không hợp lệ" in response.text
    assert browser.get("/ui/", follow_redirects=False).status_code == 303


def test_logged_in_post_needs_csrf_header_or_field(
    app: FastAPI, browser: TestClient, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.editor)
    headers = ui_login(app, user.username, TEST_PASSWORD)
    cookie_only = {"Cookie": headers["Cookie"]}
    assert browser.post("/ui/logout", headers=cookie_only).status_code == 403
    ok = browser.post("/ui/logout", headers=headers, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/ui/login"


def test_logout_clears_the_session(browser: TestClient, make_user: Callable[..., User]) -> None:
    user = make_user(Role.approver)
    token = csrf_from(browser.get("/ui/login").text)
    browser.post(
        "/ui/login",
        data={"username": user.username, "password": TEST_PASSWORD, "csrf_token": token},
    )
    token = csrf_from(browser.get("/ui/").text)
    page = browser.post("/ui/logout", data={"csrf_token": token})
    assert "Bạn đã đăng xuất." in page.text
    assert browser.get("/ui/", follow_redirects=False).status_code == 303


def test_language_switch_to_english_and_back(
    browser: TestClient, make_user: Callable[..., User]
) -> None:
    page = browser.get("/ui/login")
    assert '<html lang="vi">' in page.text and "Đăng nhập" in page.text
    token = csrf_from(page.text)
    browser.post("/ui/lang", data={"lang": "en", "next": "/ui/login", "csrf_token": token})
    page = browser.get("/ui/login")
    assert '<html lang="en">' in page.text and "Log in" in page.text
    browser.post("/ui/lang", data={"lang": "xx", "csrf_token": csrf_from(page.text)})
    assert '<html lang="vi">' in browser.get("/ui/login").text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/ui/queue?state=new", "/ui/queue?state=new"),
        ("https://evil.example/ui/", "/ui/"),
        ("//evil.example/ui/", "/ui/"),
        ("/api/x", "/ui/"),
        ("/ui\\..\\x", "/ui/"),
        ("", "/ui/"),
    ],
)
def test_next_only_allows_local_ui_paths(value: str, expected: str) -> None:
    assert safe_next(value) == expected


def test_deactivated_user_loses_the_session(
    app: FastAPI, browser: TestClient, make_user: Callable[..., User], engine: object
) -> None:
    from sqlmodel import Session

    user = make_user(Role.monitor)
    headers = ui_login(app, user.username, TEST_PASSWORD)
    assert browser.get("/ui/", headers=headers).status_code == 200
    with Session(app.state.engine) as session:
        row = session.get(User, user.id)
        assert row is not None
        row.is_active = False
        session.add(row)
        session.commit()
    assert browser.get("/ui/", headers=headers, follow_redirects=False).status_code == 303


def test_unknown_ui_path_is_an_html_404(browser: TestClient) -> None:
    response = browser.get("/ui/no-such-page")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]


def test_pages_refuse_framing(browser: TestClient) -> None:
    page = browser.get("/ui/login")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_a_suspended_partners_people_lose_their_sessions(
    app: FastAPI,
    logged_in: Callable[..., TestClient],
    make_partner: Callable[..., tuple[int, str]],
) -> None:
    from sqlmodel import Session

    from rebuttal import partners as partners_service

    partner_id, _ = make_partner()
    client = logged_in(Role.partner, partner_id=partner_id)
    assert client.get("/ui/partner/briefs").status_code == 200
    with Session(app.state.engine) as session:
        partners_service.update(session=session, partner_id=partner_id, active=False)
        session.commit()
    assert client.get("/ui/partner/briefs", follow_redirects=False).status_code == 303


def test_login_forgives_spaces_around_the_name(
    browser: TestClient, make_user: Callable[..., User]
) -> None:
    user = make_user(Role.monitor)
    token = csrf_from(browser.get("/ui/login").text)
    response = browser.post(
        "/ui/login",
        data={"username": f" {user.username} ", "password": TEST_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_language_switch_comes_back_to_the_same_page(
    browser: TestClient, make_user: Callable[..., User]
) -> None:
    """The switch kept only the path: filters and the login's next were dropped, and on a
    page drawn for a refused form it led to a GET of the form's POST address (405)."""
    page = browser.get("/ui/login?next=/ui/queue%3Fstate%3Dnew")
    assert 'name="next" value="/ui/login?next=/ui/queue%3Fstate%3Dnew"' in page.text
    refused = browser.post(
        "/ui/report",
        data={"url": "x", "description": "ngắn", "csrf_token": csrf_from(page.text)},
        headers={"Referer": "http://testserver/ui/report"},
    )
    assert refused.status_code == 422
    assert 'name="next" value="/ui/report"' in refused.text
