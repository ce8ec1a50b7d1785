"""Polite, bounded HTTP fetching with httpx2.

One Fetcher per crawl: it owns the connection pool, the robots.txt cache and the
per-host throttles. Every hop of every request passes the SSRF guard; bodies are
streamed and cut at `max_body_bytes`; transient failures (connection errors, 5xx,
429) are retried with exponential backoff, honouring Retry-After.
"""

import asyncio
import random
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from types import TracebackType
from typing import Self
from urllib.parse import urljoin, urlsplit

import httpcore2
import httpx2
from protego import Protego
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from crawlers.errors import BlockedAddress, FetchFailed
from crawlers.settings import CrawlerSettings
from crawlers.ssrf import Allowlist, GuardedBackend, check_url_static

REDIRECT_CODES = {301, 302, 303, 307, 308}
ROBOTS_MAX_BYTES = 500_000


@dataclass
class FetchResult:
    url: str
    final_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    truncated: bool
    fetched_at: datetime

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


class _Retryable(Exception):
    def __init__(self, kind: str, url: str, retry_after: float | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.url = url
        self.retry_after = retry_after


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait, from either form of Retry-After (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle takes ~40 ms: once per process, not once per crawl. An
    # SSLContext may be shared by connections, clients and threads.
    return httpx2.create_ssl_context(trust_env=False)


@dataclass
class _Host:
    semaphore: asyncio.Semaphore
    delay: float
    next_at: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Fetcher:
    def __init__(
        self,
        settings: CrawlerSettings,
        *,
        delay: float | None = None,
        per_host_concurrency: int | None = None,
        obey_robots: bool | None = None,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.delay = settings.default_delay if delay is None else delay
        self.per_host = per_host_concurrency or settings.per_host_concurrency
        self.obey_robots = settings.obey_robots if obey_robots is None else obey_robots
        self.allowlist = Allowlist(settings.ssrf_allowlist)
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, tuple[Protego | None, float]] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}
        self._global = asyncio.Semaphore(settings.total_concurrency)
        self._client = httpx2.AsyncClient(
            headers={
                "User-Agent": settings.user_agent,
                "Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5",
            },
            timeout=httpx2.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.read_timeout,
                pool=settings.connect_timeout + settings.read_timeout,
            ),
            limits=httpx2.Limits(
                max_connections=settings.total_concurrency,
                max_keepalive_connections=settings.total_concurrency,
            ),
            follow_redirects=False,
            trust_env=False,
            transport=transport or self._guarded_transport(settings),
        )

    def _guarded_transport(self, settings: CrawlerSettings) -> httpx2.AsyncHTTPTransport:
        limits = httpx2.Limits(
            max_connections=settings.total_concurrency,
            max_keepalive_connections=settings.total_concurrency,
        )
        transport = httpx2.AsyncHTTPTransport(verify=_ssl_context(), limits=limits, trust_env=False)
        # The same pool httpx2 would build, but every connection goes through the guard.
        transport._pool = httpcore2.AsyncConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(self.allowlist),
        )
        return transport

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._client.aclose()

    # -- politeness -------------------------------------------------------------------

    @staticmethod
    def _origin(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc.lower()}"

    def _host(self, url: str) -> _Host:
        origin = self._origin(url)
        host = self._hosts.get(origin)
        if host is None:
            host = _Host(asyncio.Semaphore(self.per_host), self.delay)
            self._hosts[origin] = host
        return host

    async def robots(self, url: str) -> Protego | None:
        """The parsed robots.txt of the URL's origin (None: everything allowed), cached."""
        origin = self._origin(url)
        cached = self._robots.get(origin)
        if cached and time.monotonic() - cached[1] < self.settings.robots_cache_seconds:
            return cached[0]
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:
            cached = self._robots.get(origin)
            if cached and time.monotonic() - cached[1] < self.settings.robots_cache_seconds:
                return cached[0]
            parser = await self._load_robots(origin)
            self._robots[origin] = (parser, time.monotonic())
            crawl_delay = parser.crawl_delay(self.settings.user_agent) if parser else None
            if crawl_delay:
                self._host(url).delay = max(self._host(url).delay, float(crawl_delay))
            return parser

    async def _load_robots(self, origin: str) -> Protego | None:
        robots_url = origin + "/robots.txt"
        try:
            result = await self._fetch_with_retries(
                robots_url, {}, ROBOTS_MAX_BYTES, check_robots=False
            )
        except FetchFailed as exc:
            # RFC 9309: a missing robots.txt (4xx) allows everything; an unreachable one
            # (5xx, network) means the site may not be crawled for now.
            if exc.kind.startswith("http_4"):
                return None
            return Protego.parse("User-agent: *\nDisallow: /")
        text = result.body.decode("utf-8", errors="replace")
        return Protego.parse(text)

    async def allowed(self, url: str) -> bool:
        if not self.obey_robots:
            return True
        parser = await self.robots(url)
        return parser is None or bool(parser.can_fetch(url, self.settings.user_agent))

    # -- fetching ---------------------------------------------------------------------

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """GET a URL: 2xx or 304, else FetchFailed(kind) / BlockedAddress."""
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self._fetch_with_retries(
            url, headers, max_bytes or self.settings.max_body_bytes, check_robots=True
        )

    async def _fetch_with_retries(
        self, url: str, headers: Mapping[str, str], max_bytes: int, *, check_robots: bool
    ) -> FetchResult:
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(_Retryable),
            stop=stop_after_attempt(self.settings.retries + 1),
            wait=self._wait,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._follow(url, headers, max_bytes, check_robots=check_robots)
        except _Retryable as exc:
            raise FetchFailed(exc.kind, exc.url) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return exc.retry_after
        backoff = self.settings.backoff_base * (2 ** (state.attempt_number - 1))
        return float(backoff * (0.5 + random.random()))

    async def _follow(
        self, url: str, headers: Mapping[str, str], max_bytes: int, *, check_robots: bool
    ) -> FetchResult:
        seen: set[str] = set()
        current = url
        for _hop in range(self.settings.max_redirects + 1):
            if current in seen:
                raise FetchFailed("redirect_loop", url)
            seen.add(current)
            # Scheme, IP literals and internal names fail here with a clear message; names
            # are resolved and checked by GuardedBackend when the connection is opened.
            check_url_static(current, self.allowlist)
            if check_robots and not await self.allowed(current):
                raise FetchFailed("robots_disallowed", current)
            result, location = await self._once(current, headers, max_bytes)
            if location is None:
                result.url = url
                return result
            current = urljoin(current, location)
        raise FetchFailed("too_many_redirects", url)

    async def _once(
        self, url: str, headers: Mapping[str, str], max_bytes: int
    ) -> tuple[FetchResult, str | None]:
        host = self._host(url)
        async with self._global, host.semaphore:
            async with host.lock:
                wait = host.next_at - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                host.next_at = time.monotonic() + host.delay
            total = self.settings.connect_timeout + 2 * self.settings.read_timeout
            try:
                async with asyncio.timeout(total):
                    return await self._request(url, headers, max_bytes)
            except TimeoutError:
                raise FetchFailed("timeout", url) from None
            except httpx2.TimeoutException as exc:
                if isinstance(exc, httpx2.ConnectTimeout | httpx2.PoolTimeout):
                    raise _Retryable("connect_timeout", url) from exc
                raise FetchFailed("timeout", url) from exc
            except (httpx2.ConnectError, httpx2.RemoteProtocolError, httpx2.ReadError) as exc:
                raise _Retryable("connection", url) from exc
            except httpx2.InvalidURL as exc:
                raise FetchFailed("invalid_url", url, str(exc)) from exc
            except httpx2.HTTPError as exc:
                raise FetchFailed("http_error", url, type(exc).__name__) from exc

    async def _request(
        self, url: str, headers: Mapping[str, str], max_bytes: int
    ) -> tuple[FetchResult, str | None]:
        fetched_at = datetime.now(UTC)
        async with self._client.stream("GET", url, headers=dict(headers)) as response:
            status = response.status_code
            if status in REDIRECT_CODES:
                location = response.headers.get("location")
                if not location:
                    raise FetchFailed("redirect_without_location", url)
                return self._result(url, response, b"", False, fetched_at), location
            if status == 429 or status >= 500:
                retry_after = parse_retry_after(response.headers.get("retry-after"))
                kind = "rate_limited" if status == 429 else f"http_{status // 100}xx"
                if retry_after is not None and retry_after > self.settings.max_retry_after:
                    raise FetchFailed(kind, url, f"Retry-After {retry_after:.0f}s")
                raise _Retryable(kind, url, retry_after)
            if status == 304:
                return self._result(url, response, b"", False, fetched_at), None
            if status >= 400 or status < 200:
                raise FetchFailed(f"http_{status}", url)
            chunks: list[bytes] = []
            size = 0
            truncated = False
            async for chunk in response.aiter_bytes():
                if size + len(chunk) > max_bytes:
                    chunks.append(chunk[: max_bytes - size])
                    truncated = True
                    break
                chunks.append(chunk)
                size += len(chunk)
            return self._result(url, response, b"".join(chunks), truncated, fetched_at), None

    @staticmethod
    def _result(
        url: str, response: httpx2.Response, body: bytes, truncated: bool, fetched_at: datetime
    ) -> FetchResult:
        return FetchResult(
            url=url,
            final_url=str(response.url),
            status=response.status_code,
            headers={k.lower(): v for k, v in response.headers.items()},
            body=body,
            truncated=truncated,
            fetched_at=fetched_at,
        )


__all__ = ["BlockedAddress", "FetchFailed", "FetchResult", "Fetcher", "parse_retry_after"]
