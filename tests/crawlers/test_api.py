"""Sources API (ops, admin), snapshot download (staff) and `vigil crawl`."""

import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from api.cli import app as cli_app
from crawlers import posts as posts_service
from models.crawl import CrawlRun, Source
from models.db import engine_for
from models.enums import PostOrigin, Role, SourceKind
from models.migrate import upgrade
from models.posts import Post, PostCreate
from tests.crawlers.site import SiteServer

Headers = Callable[[Role], dict[str, str]]

FEED = {
    "name": "VnExpress - Thời sự",
    "kind": "feed",
    "url": "https://vnexpress.net/rss/thoi-su.rss",
}


def sources_in_db(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Source)).one()


def test_source_crud(client: TestClient, auth_headers: Headers, engine: Engine):
    ops = auth_headers(Role.ops)
    created = client.post("/sources", json=FEED | {"config": {"max_pages": 30}}, headers=ops)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["config"] == {"max_pages": 30} and body["enabled"] is True
    sid = body["id"]
    assert client.get(f"/sources/{sid}", headers=ops).json()["name"] == FEED["name"]
    changed = client.patch(f"/sources/{sid}", json={"enabled": False}, headers=ops)
    assert changed.status_code == 200 and changed.json()["enabled"] is False
    assert changed.json()["config"] == {"max_pages": 30}
    listed = client.get("/sources", params={"enabled": False}, headers=auth_headers(Role.admin))
    assert [s["id"] for s in listed.json()] == [sid]
    assert client.get("/sources", params={"kind": "sitemap"}, headers=ops).json() == []
    assert client.delete(f"/sources/{sid}", headers=ops).status_code == 204
    assert client.get(f"/sources/{sid}", headers=ops).status_code == 404
    assert client.delete(f"/sources/{sid}", headers=ops).status_code == 404


@pytest.mark.parametrize("role", [Role.monitor, Role.editor, Role.approver])
def test_only_ops_and_admin_manage_sources(client: TestClient, auth_headers: Headers, role: Role):
    assert client.post("/sources", json=FEED, headers=auth_headers(role)).status_code == 403
    assert client.get("/sources", headers=auth_headers(role)).status_code == 403
    assert client.get("/sources").status_code == 401


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (FEED | {"url": "ftp://vnexpress.net/rss"}, "url"),
        (FEED | {"url": "vnexpress.net/rss"}, "url"),
        (FEED | {"kind": "listing"}, "link_pattern"),
        (FEED | {"kind": "listing", "config": {"link_pattern": "(unclosed"}}, "regular expression"),
        (
            FEED | {"kind": "json", "config": {"items_path": "data", "fields": {"url": "link"}}},
            "text",
        ),
        (FEED | {"config": {"selectors": {"text": "div[["}}}, "CSS"),
        (FEED | {"config": {"selectors": {"body": "div"}}}, "selector keys"),
        (FEED | {"config": {"max_pages": 0}}, "max_pages"),
        (FEED | {"config": {"unknown": 1}}, "unknown"),
        (FEED | {"kind": "podcast"}, "kind"),
        ({"kind": "feed", "url": "https://a.vn/rss"}, "name"),
        (FEED | {"name": "   "}, "name"),
        (FEED | {"name": "Báo\x00 Mới"}, "name"),
        (FEED | {"name": "x" * 201}, "name"),
    ],
)
def test_invalid_sources_are_rejected(
    client: TestClient, auth_headers: Headers, engine: Engine, payload: dict[str, Any], field: str
):
    response = client.post("/sources", json=payload, headers=auth_headers(Role.ops))
    assert response.status_code == 422
    assert field in response.text
    assert sources_in_db(engine) == 0


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/rss", "http://169.254.169.254/latest/meta-data/", "http://localhost/x"],
)
def test_internal_source_urls_are_rejected(
    client: TestClient, auth_headers: Headers, engine: Engine, url: str
):
    response = client.post("/sources", json=FEED | {"url": url}, headers=auth_headers(Role.ops))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "blocked_address" and "nội bộ" in error["message"]
    assert sources_in_db(engine) == 0


def test_duplicate_name_and_bad_update(client: TestClient, auth_headers: Headers, engine: Engine):
    ops = auth_headers(Role.ops)
    first = client.post("/sources", json=FEED, headers=ops).json()
    other_feed = {"name": "Khác", "url": "https://vnexpress.net/rss/giao-duc.rss"}
    other = client.post("/sources", json=FEED | other_feed, headers=ops).json()
    assert client.post("/sources", json=FEED, headers=ops).status_code == 409
    clash = client.patch(f"/sources/{other['id']}", json={"name": FEED["name"]}, headers=ops)
    assert clash.status_code == 409
    # a feed cannot become a listing without a link pattern
    kind = client.patch(f"/sources/{first['id']}", json={"kind": "listing"}, headers=ops)
    assert kind.status_code == 422 and "link_pattern" in kind.text
    internal = client.patch(
        f"/sources/{first['id']}", json={"url": "http://10.0.0.1/"}, headers=ops
    )
    assert internal.status_code == 422
    unchanged = client.get(f"/sources/{first['id']}", headers=ops).json()
    assert unchanged["kind"] == "feed" and unchanged["url"] == FEED["url"]
    assert sources_in_db(engine) == 2


def test_snapshot_download(
    client: TestClient,
    auth_headers: Headers,
    engine: Engine,
    site: SiteServer,
    crawl: Any,
    make_source: Any,
):
    path = "/charset/sai-charset-header.html"
    run = crawl(make_source("url", path).id)
    assert run.new_posts == 1
    with Session(engine, expire_on_commit=False) as session:
        post = session.exec(select(Post)).one()
        manual = posts_service.create(
            session=session,
            post_in=PostCreate(url="https://fb.com/p/1", source_name="Facebook", text="Tin đồn."),
            origin=PostOrigin.staff,
        )
        session.commit()
    response = client.get(f"/posts/{post.id}/snapshot", headers=auth_headers(Role.monitor))
    assert response.status_code == 200
    assert response.content == (site.root / path.lstrip("/")).read_bytes()
    assert response.headers["x-snapshot-url"] == site.base_url + path
    assert response.headers["x-snapshot-status"] == "200"
    assert "attachment" in response.headers["content-disposition"]
    missing = client.get(f"/posts/{manual.id}/snapshot", headers=auth_headers(Role.monitor))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "snapshot_not_found"
    assert client.get("/posts/999999/snapshot", headers=auth_headers(Role.ops)).status_code == 404
    assert client.get(f"/posts/{post.id}/snapshot").status_code == 401


def test_cli_crawl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: SiteServer):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("VIGIL_DATABASE_URL", url)
    monkeypatch.setenv("VIGIL_CRAWL_SSRF_ALLOWLIST", "127.0.0.1")
    monkeypatch.setenv("VIGIL_CRAWL_DEFAULT_DELAY", "0")
    engine = engine_for(url)
    upgrade(engine)
    with Session(engine) as session:
        feed = SourceKind.feed
        good = Source(name="Tuổi Trẻ", kind=feed, url=site.base_url + "/tuoitre/rss/thoi-su.rss")
        bad = Source(name="Hỏng", kind=feed, url=site.base_url + "/feeds/khong-phai-feed.rss")
        session.add_all([good, bad])
        session.commit()
        good_id, bad_id = good.id, bad.id
    runner = CliRunner()
    result = runner.invoke(cli_app, ["crawl", str(good_id)])
    assert result.exit_code == 0, result.output
    assert "2 bài mới" in result.output
    failed = runner.invoke(cli_app, ["crawl", str(bad_id)])
    assert failed.exit_code == 1 and "feed_parse_error" in failed.output
    missing = runner.invoke(cli_app, ["crawl", "424242"])
    assert missing.exit_code == 1 and "Không tìm thấy nguồn" in missing.output
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(CrawlRun)).one() == 2
    engine.dispose()


def test_deleting_a_source_keeps_its_posts(
    client: TestClient, auth_headers: Headers, engine: Engine, crawl: Any, make_source: Any
):
    source = make_source("feed", "/tuoitre/rss/thoi-su.rss")
    run = crawl(source.id)
    assert run.new_posts == 2
    deleted = client.delete(f"/sources/{source.id}", headers=auth_headers(Role.admin))
    assert deleted.status_code == 204
    with Session(engine) as session:
        stored = session.exec(select(Post)).all()
        assert len(stored) == 2 and {p.source_id for p in stored} == {None}
        assert session.exec(select(func.count()).select_from(CrawlRun)).one() == 0


def test_a_source_name_is_one_spelling_and_one_address_is_one_source(
    client: TestClient, auth_headers: Headers, engine: Engine
):
    ops = auth_headers(Role.ops)
    first = client.post("/sources", json=FEED | {"name": "  Báo Mới  "}, headers=ops)
    assert first.status_code == 201 and first.json()["name"] == "Báo Mới"
    # The same name typed with combining marks (NFD) is the same name.
    nfd = unicodedata.normalize("NFD", "Báo Mới")
    again = client.post(
        "/sources", json=FEED | {"name": nfd, "url": "https://a.vn/rss"}, headers=ops
    )
    assert again.status_code == 409
    # Another name for the same feed would crawl it twice.
    twice = client.post("/sources", json=FEED | {"name": "Báo Mới 2"}, headers=ops)
    assert twice.status_code == 409
    error = twice.json()["error"]
    assert error["code"] == "source_exists" and "Báo Mới" in error["message"]
    # The same address as another kind of source (a sitemap, say) is another source.
    sitemap = client.post(
        "/sources", json=FEED | {"name": "Sitemap", "kind": "sitemap"}, headers=ops
    )
    assert sitemap.status_code == 201
    other = client.post(
        "/sources", json=FEED | {"name": "Giáo dục", "url": "https://a.vn/rss"}, headers=ops
    ).json()
    moved = client.patch(f"/sources/{other['id']}", json={"url": FEED["url"]}, headers=ops)
    assert moved.status_code == 409
    kept = client.patch(f"/sources/{first.json()['id']}", json={"url": FEED["url"]}, headers=ops)
    assert kept.status_code == 200
    assert client.get(f"/sources/{other['id']}", headers=ops).json()["url"] == "https://a.vn/rss"
    assert sources_in_db(engine) == 3
