"""SSRF guard: Vigil must not be pointed at its own network.

Every URL is checked after DNS resolution (a public-looking name can resolve to 10.x or
169.254.169.254) and again on every redirect hop, because a public page can redirect to
an internal one. The fetcher enforces it where connections are made (GuardedBackend):
the host is resolved once, every address checked, and the socket opened to a checked
address, so a DNS answer that changes between check and connect (rebinding) cannot slip
through.
"""

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Iterable
from typing import Any

from httpcore2 import AsyncNetworkBackend, AsyncNetworkStream, ConnectError
from httpcore2._backends.auto import AutoBackend
from httpcore2._utils import is_socket_readable

from crawlers.errors import BlockedAddress
from models.urls import split_http_url

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata endpoints that are not covered by the link-local/private ranges.
_METADATA = {ipaddress.ip_address("100.100.100.200"), ipaddress.ip_address("fd00:ec2::254")}
_BLOCKED_NAMES = ("localhost", "localhost.localdomain", "metadata.google.internal")


class Allowlist:
    def __init__(self, entries: Iterable[str]) -> None:
        self.networks: list[Network] = []
        self.hosts: set[str] = set()
        for entry in entries:
            entry = entry.strip().lower()
            if not entry:
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.hosts.add(entry)

    def permits_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def permits_ip(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.networks)


def is_blocked_ip(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return is_blocked_ip(ip.ipv4_mapped)
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or ip in _METADATA
    )


def _blocked(url: str, host: str, what: str) -> BlockedAddress:
    return BlockedAddress(
        f"Không được phép thu thập {url}: {host} là địa chỉ {what} (mạng nội bộ). "
        "Chỉ quản trị viên mới có thể cho phép qua cấu hình VIGIL_CRAWL_SSRF_ALLOWLIST.",
        f"Refusing to fetch {url}: {host} is a {what} address (internal network). "
        "Only an administrator can permit it with VIGIL_CRAWL_SSRF_ALLOWLIST.",
        field="url",
        url=url,
        host=host,
    )


def _host(url: str) -> str:
    parts = split_http_url(url)
    if parts is None or not parts.hostname:
        raise BlockedAddress(
            f"Chỉ thu thập được địa chỉ http(s) đầy đủ, không phải {url!r}.",
            f"Only full http(s) URLs can be crawled, not {url!r}.",
            field="url",
            url=url,
        )
    return parts.hostname.lower().rstrip(".")


def check_url_static(url: str, allowlist: Allowlist) -> None:
    """The checks that need no DNS: scheme, IP literals, well-known internal names."""
    host = _host(url)
    if allowlist.permits_host(host):
        return
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        if host in _BLOCKED_NAMES or host.endswith((".localhost", ".internal", ".local")):
            raise _blocked(url, host, "nội bộ/internal") from None
        return
    if is_blocked_ip(ip) and not allowlist.permits_ip(ip):
        raise _blocked(url, host, _describe(ip))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _describe(ip: IPAddress) -> str:
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local or ip in _METADATA:
        return "link-local/metadata"
    return "private/reserved"


class _Stream(AsyncNetworkStream):
    """A connection with a cheap readability check.

    httpcore asks every idle pooled connection whether its socket is readable each time
    it hands out a connection; anyio answers that through a typed-attribute lookup that
    costs several times the poll itself. With a crawler's dozen idle connections that
    was a tenth of the crawl process's time per page.
    """

    def __init__(self, inner: AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._socket is not None:
            return is_socket_readable(self._socket)
        return self._inner.get_extra_info(info)


class GuardedBackend(AsyncNetworkBackend):
    """httpcore network backend that connects only to addresses that pass the guard."""

    def __init__(self, allowlist: Allowlist) -> None:
        self.allowlist = allowlist
        self._inner = AutoBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> AsyncNetworkStream:
        name = host.lower().rstrip(".")
        shown = f"http://{host}:{port}/"
        if _is_ip(name):
            addresses = [name]
        else:
            try:
                infos = await asyncio.wait_for(
                    asyncio.get_running_loop().getaddrinfo(name, port, type=socket.SOCK_STREAM),
                    timeout,
                )
            except (OSError, TimeoutError) as exc:
                # Reported like any other failed connection (retried, counted as one).
                raise ConnectError(f"cannot resolve {host}: {exc}") from exc
            addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not self.allowlist.permits_host(name):
            for address in addresses:
                ip = ipaddress.ip_address(address)
                if is_blocked_ip(ip) and not self.allowlist.permits_ip(ip):
                    raise _blocked(shown, f"{host} ({ip})", _describe(ip))
        last_error: Exception | None = None
        for address in addresses:
            try:
                stream = await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
                return _Stream(stream)
            except Exception as exc:  # try the host's next address, like a resolver would
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> AsyncNetworkStream:
        raise _blocked(path, path, "unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
