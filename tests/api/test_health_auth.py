import unicodedata
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from api.app import create_app
from api.settings import ApiSettings, InsecureSettings, check_production
from models.enums import Role
from models.users import User
from tests.conftest import TEST_PASSWORD


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}
    assert ready.headers["x-request-id"]


def test_readiness_reports_an_unreachable_database(api_settings: ApiSettings) -> None:
    dead = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    app = create_app(settings=api_settings, engine=dead)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
    assert "Traceback" not in response.text


def test_request_id_is_echoed_or_made(client: TestClient) -> None:
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    made = client.get("/healthz", headers={"X-Request-ID": "bad id\n"}).headers["x-request-id"]
    assert made and made != "bad id\n"


def test_login_gives_a_working_token(client: TestClient, make_user: Callable[..., User]) -> None:
    make_user(Role.editor, username="bientap")
    response = client.post("/auth/token", data={"username": "bientap", "password": TEST_PASSWORD})
    assert response.status_code == 200
    token = response.json()["access_token"]
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["username"] == "bientap" and me["role"] == "editor"


@pytest.mark.parametrize(
    "form",
    [
        {"username": "bientap", "password": "wrong-password"},
        {"username": "nobody", "password": TEST_PASSWORD},
        {"username": "bientap"},
        {},
    ],
)
def test_bad_logins(client: TestClient, make_user: Callable[..., User], form: dict) -> None:
    make_user(Role.editor, username="bientap")
    response = client.post("/auth/token", data=form)
    assert response.status_code in (401, 422)
    assert "access_token" not in response.text
    assert response.json()["error"]["message"]


def test_token_of_a_deactivated_user_stops_working(
    client: TestClient, make_user: Callable[..., User], engine
) -> None:
    from sqlmodel import Session

    make_user(Role.monitor, username="giamsat")
    token = client.post(
        "/auth/token", data={"username": "giamsat", "password": TEST_PASSWORD}
    ).json()["access_token"]
    with Session(engine) as session:
        user = session.exec(__import__("sqlmodel").select(User)).one()
        user.is_active = False
        session.add(user)
        session.commit()
    assert client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_token_signed_with_another_secret_is_refused(
    client: TestClient, make_user: Callable[..., User]
) -> None:
    from api.security import create_access_token

    user = make_user(Role.admin)
    assert user.id is not None
    forged = create_access_token(
        settings=ApiSettings(secret_key="another-secret-" + "y" * 40),
        user_id=user.id,
        role="admin",
    )
    assert client.get("/users", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(InsecureSettings):
        check_production(ApiSettings(env="production"))
    with pytest.raises(InsecureSettings):
        check_production(ApiSettings(env="production", secret_key="short"))
    check_production(ApiSettings(env="production", secret_key="s" * 40))
    check_production(ApiSettings(env="development"))


def test_admin_creates_accounts_and_partners(
    client: TestClient, auth_headers: Callable[[Role], dict[str, str]]
) -> None:
    admin = auth_headers(Role.admin)
    partner = client.post(
        "/partners", json={"name": "Báo Demo", "topics": ["giao_duc"]}, headers=admin
    )
    assert partner.status_code == 201
    assert client.post("/partners", json={"name": "Báo Demo"}, headers=admin).status_code == 409
    same_name = {"name": unicodedata.normalize("NFD", "Báo Demo")}  # looks identical
    assert client.post("/partners", json=same_name, headers=admin).status_code == 409
    # Topics are codes cases carry; anything else would be stored and never match a brief.
    for bad in (
        {"name": "   "},
        {"name": "Báo B", "topics": ["Giáo dục"]},
        {"name": "Báo C", "topics": [""]},
    ):
        assert client.post("/partners", json=bad, headers=admin).status_code == 422, bad
    changed = client.patch(
        f"/partners/{partner.json()['id']}", json={"topics": [" y_te "]}, headers=admin
    )
    assert changed.status_code == 422
    # A contact address is one address: anything else would fail when a brief is mailed.
    for bad_email in ("not-an-email", "a@b", "toa soan@bao.vn", "a@bao.vn, b@bao.vn"):
        refused = client.post(
            "/partners", json={"name": "Báo E", "contact_email": bad_email}, headers=admin
        )
        assert refused.status_code == 422, bad_email
        assert refused.json()["error"]["field"] == "contact_email"
        patched = client.patch(
            f"/partners/{partner.json()['id']}", json={"contact_email": bad_email}, headers=admin
        )
        assert patched.status_code == 422, bad_email
    good = client.patch(
        f"/partners/{partner.json()['id']}",
        json={"contact_email": " toasoan@baodemo.vn "},
        headers=admin,
    )
    assert good.status_code == 200 and good.json()["contact_email"] == "toasoan@baodemo.vn"
    user = {
        "username": "doitac",
        "role": "partner",
        "password": "mat-khau-dai",
        "partner_id": partner.json()["id"],
    }
    assert client.post("/users", json=user, headers=admin).status_code == 201
    assert client.post("/users", json=user, headers=admin).status_code == 409
    orphan = user | {"username": "doitac2", "partner_id": None}
    assert client.post("/users", json=orphan, headers=admin).status_code == 422
    weak = user | {"username": "doitac3", "password": "short"}
    assert client.post("/users", json=weak, headers=admin).status_code == 422
    # An id no database column holds is a 422, not a driver's overflow (found by the fuzzer).
    for partner_id in (2**63, 0, -1):
        huge = user | {"username": "doitac4", "partner_id": partner_id}
        assert client.post("/users", json=huge, headers=admin).status_code == 422
    # Blank names and accented ones are refused: NFC and NFD "nguyễn" would be two accounts
    # that look the same (the pattern was once written as SQLModel's ignored `regex=`).
    for username in ("   ", "nguyễn", "nguye\u0302\u0303n", "bien tap"):
        odd = user | {"username": username}
        assert client.post("/users", json=odd, headers=admin).status_code == 422, username
    issued = client.post(
        f"/partners/{partner.json()['id']}/keys", json={"label": "CMS"}, headers=admin
    )
    assert issued.status_code == 201 and issued.json()["key"].startswith("vgl_")
    me = client.get("/partner/me", headers={"X-API-Key": issued.json()["key"]})
    assert me.json()["name"] == "Báo Demo"
    missing = client.post("/partners/999/keys", json={}, headers=admin)
    assert missing.status_code == 404
