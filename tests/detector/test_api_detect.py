from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from detector import service
from detector.registry import MODEL_FILE, ModelLoader
from models.enums import Role

Headers = Callable[[Role], dict[str, str]]


@pytest.fixture
def use_tiny(monkeypatch: pytest.MonkeyPatch, tiny_loader: ModelLoader) -> ModelLoader:
    monkeypatch.setattr(service, "_default", tiny_loader)
    return tiny_loader


@pytest.mark.parametrize("role", [Role.monitor, Role.editor, Role.approver, Role.admin])
def test_staff_get_a_verdict_with_spans(
    client: TestClient, auth_headers: Headers, use_tiny: ModelLoader, role: Role
) -> None:
    text = "Nhìn mặt mất dạy thế"
    r = client.post("/detect", json={"text": text}, headers=auth_headers(role))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["label"] == "OFFENSIVE" and body["status"] == "ok"
    assert body["spans"] and all(text[s["start"] : s["end"]] == s["text"] for s in body["spans"])
    assert body["model_version"] == "v1+spans-v1"


@pytest.mark.parametrize("role", [Role.ops, Role.partner])
def test_other_roles_forbidden(
    client: TestClient, auth_headers: Headers, use_tiny: ModelLoader, role: Role
) -> None:
    r = client.post("/detect", json={"text": "xin chào"}, headers=auth_headers(role))
    assert r.status_code == 403


def test_anonymous_rejected(client: TestClient, use_tiny: ModelLoader) -> None:
    assert client.post("/detect", json={"text": "xin chào"}).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"text": 12},
        {"text": None},
        {"text": ["a"]},
        {},
        {"text": "xin chào", "model": "x"},
        {"text": "x" * 100_001},
    ],
)
def test_bad_bodies_are_422(
    client: TestClient, auth_headers: Headers, use_tiny: ModelLoader, body: dict
) -> None:
    r = client.post("/detect", json=body, headers=auth_headers(Role.monitor))
    assert r.status_code in (413, 422), r.text


def test_not_json_is_rejected(
    client: TestClient, auth_headers: Headers, use_tiny: ModelLoader
) -> None:
    headers = {**auth_headers(Role.monitor), "Content-Type": "application/json"}
    r = client.post("/detect", content=b"\xff\xfe\x00junk", headers=headers)
    assert r.status_code in (400, 422)  # FastAPI answers undecodable JSON with 400


@pytest.mark.parametrize(
    ("text", "status"),
    [("", "empty"), ("😂😂", "emoji_only"), ("\x00\x01\x02\x03\ufffd", "junk")],
)
def test_odd_text_is_marked(
    client: TestClient, auth_headers: Headers, use_tiny: ModelLoader, text: str, status: str
) -> None:
    r = client.post("/detect", json={"text": text}, headers=auth_headers(Role.monitor))
    assert r.status_code == 200 and r.json()["status"] == status


def test_broken_model_is_503_not_a_crash(
    client: TestClient, auth_headers: Headers, use_tiny: ModelLoader
) -> None:
    path = use_tiny.registry.root / "toxicity" / "v1" / MODEL_FILE
    path.write_bytes(b"tampered")
    r = client.post("/detect", json={"text": "xin chào"}, headers=auth_headers(Role.monitor))
    assert r.status_code == 503
    # and the service keeps answering other routes
    assert client.get("/healthz").status_code == 200
