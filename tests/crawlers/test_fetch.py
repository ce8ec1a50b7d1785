"""The fetcher against the local site: politeness, limits, retries, SSRF guard."""

import asyncio
import socket
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from crawlers.errors import BlockedAddress, FetchFailed
from crawlers.fetch import Fetcher, FetchResult, parse_retry_after
from crawlers.settings import CrawlerSettings
from crawlers.ssrf import Allowlist, check_url_static
from tests.crawlers.site import SiteServer

T = TypeVar("T")


def run(settings: CrawlerSettings, work: Callable[[Fetcher], Awaitable[T]], **kw: Any) -> T:
    async def main() -> T:
        async with Fetcher(settings, **kw) as fetcher:
            return await work(fetcher)

    return asyncio.run(main())


def fetch(settings: CrawlerSettings, url: str, **kw: Any) -> FetchResult:
    return run(settings, lambda f: f.fetch(url, **kw))


def key() -> str:
    return uuid.uuid4().hex


def test_fetches_with_configured_user_agent(site: SiteServer, crawler_settings: CrawlerSettings):
    result = fetch(crawler_settings, site.base_url + "/vnexpress/rss/thoi-su.rss")
    assert result.status == 200 and b"<rss" in result.body
    assert result.headers["etag"]
    assert site.user_agents["VigilTest/1.0"] >= 1


def test_conditional_get_gets_304(site: SiteServer, crawler_settings: CrawlerSettings):
    url = site.base_url + "/tuoitre/rss/thoi-su.rss"
    first = fetch(crawler_settings, url)
    again = fetch(crawler_settings, url, etag=first.headers["etag"])
    assert again.not_modified and again.body == b""


def test_429_is_retried_after_retry_after(site: SiteServer, crawler_settings: CrawlerSettings):
    k = key()
    result = fetch(crawler_settings, f"{site.base_url}/ratelimited?key={k}&n=1")
    assert result.status == 200
    assert site.counters["ratelimited:" + k] == 2


def test_429_with_too_long_retry_after_gives_up(site: SiteServer, crawler_settings):
    k = key()
    with pytest.raises(FetchFailed) as info:
        fetch(crawler_settings, f"{site.base_url}/ratelimited?key={k}&n=5&after=3600")
    assert info.value.kind == "rate_limited"
    assert site.counters["ratelimited:" + k] == 1


def test_5xx_is_retried_then_succeeds(site: SiteServer, crawler_settings: CrawlerSettings):
    k = key()
    result = fetch(crawler_settings, f"{site.base_url}/flaky?key={k}&n=2")
    assert result.status == 200 and site.counters["flaky:" + k] == 3


def test_persistent_500_fails_after_retries(site: SiteServer, crawler_settings: CrawlerSettings):
    before = site.hits["/status/500"]
    with pytest.raises(FetchFailed) as info:
        fetch(crawler_settings, site.base_url + "/status/500")
    assert info.value.kind == "http_5xx"
    assert site.hits["/status/500"] - before == crawler_settings.retries + 1


def test_404_is_not_retried(site: SiteServer, crawler_settings: CrawlerSettings):
    before = site.hits["/status/404"]
    with pytest.raises(FetchFailed) as info:
        fetch(crawler_settings, site.base_url + "/status/404")
    assert info.value.kind == "http_404"
    assert site.hits["/status/404"] - before == 1


def test_slow_response_times_out(site: SiteServer, crawler_settings: CrawlerSettings):
    with pytest.raises(FetchFailed) as info:
        fetch(crawler_settings, site.base_url + "/slow?s=2")
    assert info.value.kind == "timeout"


def test_50mb_page_is_cut_at_the_limit(site: SiteServer, crawler_settings: CrawlerSettings):
    result = fetch(crawler_settings, site.base_url + "/huge")
    assert result.truncated
    assert len(result.body) == crawler_settings.max_body_bytes


def test_redirect_loop_is_stopped(site: SiteServer, crawler_settings: CrawlerSettings):
    with pytest.raises(FetchFailed) as info:
        fetch(crawler_settings, site.base_url + "/redirect-loop/a")
    assert info.value.kind == "redirect_loop"


def test_redirects_are_bounded(site: SiteServer, crawler_settings: CrawlerSettings):
    ok = fetch(crawler_settings, site.base_url + "/redirect-chain/3")
    assert ok.status == 200 and ok.final_url.endswith("/redirect-chain/0")
    assert ok.url == site.base_url + "/redirect-chain/3"
    with pytest.raises(FetchFailed) as info:
        fetch(crawler_settings, site.base_url + "/redirect-chain/9")
    assert info.value.kind == "too_many_redirects"


def test_redirect_to_metadata_address_is_blocked(site, crawler_settings: CrawlerSettings):
    url = site.base_url + "/redirect-to?url=http://169.254.169.254/latest/meta-data/"
    with pytest.raises(BlockedAddress) as info:
        fetch(crawler_settings, url)
    assert "169.254.169.254" in info.value.message_en


def test_robots_disallow_and_crawl_delay(site: SiteServer, crawler_settings: CrawlerSettings):
    async def work(fetcher: Fetcher) -> tuple[bool, bool, float]:
        allowed = await fetcher.allowed(site.base_url + "/vnexpress/")
        blocked = await fetcher.allowed(site.base_url + "/private/tai-lieu-noi-bo.html")
        return allowed, blocked, fetcher._host(site.base_url + "/").delay

    before = site.hits["/robots.txt"]
    allowed, blocked, delay = run(crawler_settings, work)
    assert allowed and not blocked
    assert delay == pytest.approx(0.01)  # Crawl-delay from robots.txt beats our 0
    assert site.hits["/robots.txt"] - before == 1  # cached per host
    with pytest.raises(FetchFailed) as info:
        fetch(crawler_settings, site.base_url + "/private/tai-lieu-noi-bo.html")
    assert info.value.kind == "robots_disallowed"


def test_robots_for_another_agent(site: SiteServer, crawler_settings: CrawlerSettings):
    settings = crawler_settings.model_copy(update={"user_agent": "BadBot"})
    with pytest.raises(FetchFailed) as info:
        fetch(settings, site.base_url + "/vnexpress/rss/thoi-su.rss")
    assert info.value.kind == "robots_disallowed"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://localhost/",
        "http://0.0.0.0/",
        "http://metadata.google.internal/",
    ],
)
def test_internal_addresses_are_refused_without_allowlist(url: str):
    settings = CrawlerSettings(ssrf_allowlist=[])
    with pytest.raises(BlockedAddress) as info:
        fetch(settings, url)
    assert "VIGIL_CRAWL_SSRF_ALLOWLIST" in info.value.message_en
    assert "nội bộ" in info.value.message_vi


def _resolve_everything_to(monkeypatch: pytest.MonkeyPatch, address: str) -> None:
    async def fake_getaddrinfo(self: Any, host: str, port: int, **kw: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", fake_getaddrinfo)


def test_names_resolving_to_internal_addresses_are_refused(
    site: SiteServer, monkeypatch: pytest.MonkeyPatch
):
    _resolve_everything_to(monkeypatch, "127.0.0.1")
    port = site.server_address[1]
    url = f"http://tin-tuc.example.vn:{port}/tuoitre/rss/thoi-su.rss"
    before = site.hits["/tuoitre/rss/thoi-su.rss"]
    with pytest.raises(BlockedAddress) as info:
        fetch(CrawlerSettings(ssrf_allowlist=[], retries=0), url)
    assert "127.0.0.1" in info.value.message_en
    assert site.hits["/tuoitre/rss/thoi-su.rss"] == before  # no byte was sent


def test_connections_go_to_the_checked_address(site: SiteServer, monkeypatch: pytest.MonkeyPatch):
    # The name resolves (only) to the allowed local site, and that is where we connect:
    # the socket is opened to the address that was checked, not re-resolved.
    _resolve_everything_to(monkeypatch, "127.0.0.1")
    port = site.server_address[1]
    settings = CrawlerSettings(ssrf_allowlist=["127.0.0.0/8"], default_delay=0, obey_robots=False)
    result = fetch(settings, f"http://bao-moi.example.vn:{port}/tuoitre/rss/thoi-su.rss")
    assert result.status == 200 and b"<rss" in result.body


def test_allowlist_and_schemes():
    check_url_static("http://127.0.0.1:8000/", Allowlist(["127.0.0.1"]))
    check_url_static("http://intranet.local/", Allowlist(["intranet.local"]))
    with pytest.raises(BlockedAddress):
        check_url_static("http://127.0.0.2/", Allowlist(["127.0.0.1"]))
    for bad in ("file:///etc/passwd", "ftp://example.vn/", "http:///x", "gopher://a/"):
        with pytest.raises(BlockedAddress):
            check_url_static(bad, Allowlist([]))


def test_parse_retry_after():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_unresolvable_host_is_a_connection_error(monkeypatch: pytest.MonkeyPatch):
    async def no_such_host(self: Any, host: str, port: int, **kw: Any) -> list[Any]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", no_such_host)
    settings = CrawlerSettings(retries=1, backoff_base=0.01, obey_robots=False)
    with pytest.raises(FetchFailed) as info:
        fetch(settings, "http://khong-ton-tai.example.vn/tin.rss")
    assert info.value.kind == "connection"
