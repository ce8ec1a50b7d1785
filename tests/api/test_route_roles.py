"""Every route against the role table: no credentials 401 (a web UI page: 303 to the login
page), wrong role 403, right role passes."""

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route

from models.enums import Role
from models.users import User
from tests.api.route_roles import PUBLIC, ROUTE_ROLES
from tests.api.ui_route_roles import is_html_route
from tests.conftest import TEST_PASSWORD
from tests.ui.support import ui_login

DOC_PATHS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route, including those of included routers.

    FastAPI >= 0.16x resolves included routers lazily, so their routes are reached through
    effective_route_contexts(); older versions list APIRoute objects directly.
    """
    found: list[tuple[str, str]] = []
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        entries = list(contexts()) if contexts is not None else [route]
        for entry in entries:
            path = getattr(entry, "path", None)
            methods = getattr(entry, "methods", None) or ()
            if path is None or path in DOC_PATHS:
                continue
            if contexts is None and not isinstance(entry, APIRoute | Route):
                continue
            found.extend((m, path) for m in sorted(methods) if m != "HEAD")
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "999999", path)


def test_every_route_has_a_role_entry(app: FastAPI) -> None:
    missing = [r for r in app_routes(app) if r not in ROUTE_ROLES]
    assert not missing, f"routes without an entry in tests/api/route_roles.py: {missing}"


def test_role_table_has_no_stale_entries(app: FastAPI) -> None:
    stale = set(ROUTE_ROLES) - set(app_routes(app))
    assert not stale, f"entries for routes that no longer exist: {stale}"


@pytest.fixture
def ui_headers(
    app: FastAPI, make_user: Callable[..., User], make_partner: Callable[..., tuple[int, str]]
) -> Callable[[Role], dict[str, str]]:
    """Session cookie and CSRF header of a fresh account of the role, logged in by the form."""

    def headers(role: Role) -> dict[str, str]:
        partner_id = make_partner()[0] if role == Role.partner else None
        user = make_user(role, partner_id=partner_id)
        return ui_login(app, user.username, TEST_PASSWORD)

    return headers


def test_every_route_enforces_its_roles(
    app: FastAPI,
    client: TestClient,
    auth_headers: Callable[[Role], dict[str, str]],
    ui_headers: Callable[[Role], dict[str, str]],
) -> None:
    headers_by_role = {role: auth_headers(role) for role in Role}
    ui_headers_by_role = {role: ui_headers(role) for role in Role}
    failures = []
    for method, path in app_routes(app):
        allowed = ROUTE_ROLES[(method, path)]
        url = concrete(path)
        body: dict[str, str] | None = {} if method in ("POST", "PUT", "PATCH") else None
        if allowed == PUBLIC:
            continue
        html = is_html_route(path)
        client.cookies.clear()
        anonymous = client.request(method, url, json=body, follow_redirects=False)
        if html:
            if anonymous.status_code != 303 or not anonymous.headers.get("location", "").startswith(
                "/ui/login"
            ):
                failures.append(f"{method} {path} anonymous: {anonymous.status_code}, wanted 303")
        elif anonymous.status_code != 401:
            failures.append(f"{method} {path} without credentials: {anonymous.status_code}")
        for role, headers in (ui_headers_by_role if html else headers_by_role).items():
            client.cookies.clear()
            response = client.request(
                method, url, json=body, headers=headers, follow_redirects=False
            )
            to_login = response.headers.get("location", "").startswith("/ui/login?next=")
            if role in allowed and (response.status_code in (401, 403) or to_login):
                failures.append(f"{method} {path} as {role}: refused {response.status_code}")
            if role not in allowed and response.status_code != 403:
                failures.append(f"{method} {path} as {role}: {response.status_code}, wanted 403")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer ", "Basic abc"])
def test_bad_tokens_are_401(client: TestClient, header: str) -> None:
    response = client.get("/posts", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_unknown_or_revoked_api_key_is_401(
    client: TestClient,
    make_partner: Callable[..., tuple[int, str]],
    auth_headers: Callable[[Role], dict[str, str]],
) -> None:
    partner_id, key = make_partner()
    assert client.get("/partner/me", headers={"X-API-Key": key}).status_code == 200
    assert client.get("/partner/me", headers={"X-API-Key": key + "x"}).status_code == 401
    assert client.get("/partner/me", headers={"X-API-Key": "vgl_zz"}).status_code == 401
    admin = auth_headers(Role.admin)
    keys = client.get(f"/partners/{partner_id}/keys", headers=admin).json()
    assert "key" not in keys[0] and "key_hash" not in keys[0]
    revoked = client.delete(f"/partners/{partner_id}/keys/{keys[0]['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/partner/me", headers={"X-API-Key": key}).status_code == 401
