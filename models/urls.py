"""Parsing URLs that users and sources hand us, without letting a malformed one raise."""

from urllib.parse import SplitResult, urlsplit


def split_http_url(url: str) -> SplitResult | None:
    """The parts of a full http(s) URL with a host, or None for anything else.

    urlsplit raises ValueError for inputs such as "http://[" or a non-numeric port, and
    .port raises lazily; both must read as "not a valid URL", never as a server error.
    """
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - evaluated for its ValueError on a malformed port
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    return parts
