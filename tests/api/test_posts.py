from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from models.enums import Role
from models.posts import Post

POST = {
    "url": "https://www.facebook.com/tinnong.demo/posts/1?utm_source=zalo&fbclid=xyz",
    "source_name": "Trang Tin Nóng (demo)",
    "title": "Học phí tăng gấp ba?",
    "text": "Nghe nói học phí đại học tăng gấp ba từ tháng 9, sinh viên nghèo hết đường!",
    "published_at": "2026-11-20T08:30:00+07:00",
}


@pytest.fixture
def monitor(auth_headers: Callable[[Role], dict[str, str]]) -> dict[str, str]:
    return auth_headers(Role.monitor)


def count_posts(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Post)).one()


def test_create_get_and_list(client: TestClient, monitor: dict[str, str]) -> None:
    created = client.post("/posts", json=POST, headers=monitor)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["canonical_url"] == "https://www.facebook.com/tinnong.demo/posts/1"
    published = datetime.fromisoformat(body["published_at"])
    assert published == datetime(2026, 11, 20, 1, 30, tzinfo=UTC)
    assert body["origin"] == "staff"
    fetched = client.get(f"/posts/{body['id']}", headers=monitor)
    assert fetched.status_code == 200 and fetched.json()["text"] == POST["text"]
    listed = client.get("/posts", headers=monitor).json()
    assert [p["id"] for p in listed["items"]] == [body["id"]]


def test_duplicate_url_is_one_post(
    client: TestClient, monitor: dict[str, str], engine: Engine
) -> None:
    first = client.post("/posts", json=POST, headers=monitor)
    again = dict(POST, url="https://WWW.facebook.com/tinnong.demo/posts/1#comments")
    second = client.post("/posts", json=again, headers=monitor)
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["code"] == "post_exists" and error["post_id"] == first.json()["id"]
    assert "đã có" in error["message"]
    assert count_posts(engine) == 1


def test_errors_in_english_on_request(client: TestClient, monitor: dict[str, str]) -> None:
    client.post("/posts", json=POST, headers=monitor)
    second = client.post("/posts", json=POST, headers={**monitor, "Accept-Language": "en-US"})
    assert second.json()["error"]["message"].startswith("A post with this URL already exists")


def test_cursor_pagination_and_filters(client: TestClient, monitor: dict[str, str]) -> None:
    for i in range(5):
        source = "Nguồn A" if i % 2 else "Nguồn B"
        post = dict(POST, url=f"https://example.vn/bai-{i}", source_name=source, text=f"Bài {i}")
        assert client.post("/posts", json=post, headers=monitor).status_code == 201
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/posts", params=params, headers=monitor).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 5
    only_a = client.get("/posts", params={"source_name": "Nguồn A"}, headers=monitor).json()
    assert {p["source_name"] for p in only_a["items"]} == {"Nguồn A"}
    assert len(only_a["items"]) == 2
    found = client.get("/posts", params={"q": "Bài 3"}, headers=monitor).json()
    assert [p["text"] for p in found["items"]] == ["Bài 3"]


def test_bad_cursor_and_limits(client: TestClient, monitor: dict[str, str]) -> None:
    for params in ({"cursor": "!!!"}, {"cursor": "cDphYmM"}, {"limit": 0}, {"limit": 10_000}):
        response = client.get("/posts", params=params, headers=monitor)
        assert response.status_code == 422, params
        assert response.json()["error"]["message"]


def test_missing_post_is_404(client: TestClient, monitor: dict[str, str]) -> None:
    response = client.get("/posts/424242", headers=monitor)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "post_not_found"


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b'{"url": "https://example.vn/x", "text": ', {}),
        (b'\xff\xfe{"url": "\xc3\x28"}', {}),
        (b"[1, 2, 3]", {}),
        (b"null", {}),
        (b"url=https://example.vn", {"Content-Type": "application/x-www-form-urlencoded"}),
    ],
    ids=["truncated-json", "invalid-utf8", "array", "null", "form"],
)
def test_malformed_bodies_are_clear_4xx(
    client: TestClient,
    monitor: dict[str, str],
    engine: Engine,
    body: bytes,
    headers: dict[str, str],
) -> None:
    response = client.post(
        "/posts", content=body, headers={"Content-Type": "application/json", **monitor, **headers}
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["message"]
    assert count_posts(engine) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"surprise": 1}, "surprise"),
        ({"text": 12}, "text"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"published_at": "yesterday"}, "published_at"),
        ({"source_name": None}, "source_name"),
    ],
)
def test_invalid_fields_name_the_field(
    client: TestClient, monitor: dict[str, str], engine: Engine, change: dict, field: str
) -> None:
    response = client.post("/posts", json=POST | change, headers=monitor)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert field in error["message"] or error.get("field") == field
    assert count_posts(engine) == 0


def test_one_megabyte_of_text_is_refused_whole(
    client: TestClient, monitor: dict[str, str], engine: Engine
) -> None:
    response = client.post("/posts", json=POST | {"text": "a" * 1_000_000}, headers=monitor)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"
    assert count_posts(engine) == 0


def test_text_over_the_post_limit_is_422(
    client: TestClient, monitor: dict[str, str], engine: Engine
) -> None:
    response = client.post("/posts", json=POST | {"text": "á" * 200_001}, headers=monitor)
    assert response.status_code in (413, 422)
    assert count_posts(engine) == 0


def test_chunked_body_over_the_limit_is_413(
    client: TestClient, monitor: dict[str, str], engine: Engine
) -> None:
    def chunks():  # no Content-Length: the limit must hold while streaming
        for _ in range(40):
            yield b"x" * 10_000

    response = client.post(
        "/posts", content=chunks(), headers={"Content-Type": "application/json", **monitor}
    )
    assert response.status_code == 413
    assert count_posts(engine) == 0


def test_sql_looking_strings_are_stored_verbatim(
    client: TestClient, monitor: dict[str, str], engine: Engine
) -> None:
    nasty = "'; DROP TABLE post; -- \" OR 1=1 /* học phí */"
    created = client.post(
        "/posts", json=POST | {"text": nasty, "source_name": nasty}, headers=monitor
    )
    assert created.status_code == 201
    found = client.get("/posts", params={"q": "DROP TABLE", "source_name": nasty}, headers=monitor)
    assert [p["text"] for p in found.json()["items"]] == [nasty]
    assert client.get("/posts", params={"q": "%"}, headers=monitor).json()["items"] == []
    assert count_posts(engine) == 1


@pytest.mark.parametrize("field", ["text", "source_name", "url"])
def test_nul_characters_are_refused_on_every_database(
    client: TestClient, monitor: dict[str, str], engine: Engine, field: str
) -> None:
    value = "https://example.vn/a\x00b" if field == "url" else "học phí\x00tăng"
    response = client.post("/posts", json=POST | {field: value}, headers=monitor)
    assert response.status_code == 422, response.text
    assert "NUL" in response.json()["error"]["message"]
    assert count_posts(engine) == 0
    assert client.get("/posts", params={"q": "a\x00b"}, headers=monitor).status_code == 422


@pytest.mark.parametrize("url", ["http://[", "https://example.vn:abc/x", "http://[::1/x"])
def test_unparseable_urls_are_422_not_500(
    client: TestClient, monitor: dict[str, str], engine: Engine, url: str
) -> None:
    response = client.post("/posts", json=POST | {"url": url}, headers=monitor)
    assert response.status_code == 422, response.text
    assert count_posts(engine) == 0
