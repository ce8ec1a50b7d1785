"""Helpers shared by the UI tests and the route-role test: logging in through the login form."""

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def ui_login(app: FastAPI, username: str, password: str) -> dict[str, str]:
    """Headers (session cookie and CSRF token) of a browser logged in through the form."""
    client = TestClient(app)
    token = csrf_from(client.get("/ui/login").text)
    response = client.post(
        "/ui/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    home = client.get("/ui/", follow_redirects=False)
    assert home.status_code == 200, home.status_code
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return {"Cookie": cookie, "X-CSRF-Token": csrf_from(home.text)}
