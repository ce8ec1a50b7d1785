"""Fixtures for the UI tests: browsers (test clients) logged in through the login form."""

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from models.enums import Role
from models.users import User
from tests.conftest import TEST_PASSWORD
from tests.ui.support import csrf_from


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
