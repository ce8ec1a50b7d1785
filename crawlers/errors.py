"""Crawler exceptions. Fetch failures carry a short `kind` used as the CrawlRun errors key."""

from crawlers.drop import DropItem
from models.errors import InvalidInput, VigilError


class BlockedAddress(InvalidInput):
    """A URL resolves to a private, loopback, link-local or metadata address (SSRF guard)."""

    code = "blocked_address"


class FetchFailed(VigilError):
    code = "fetch_failed"

    def __init__(self, kind: str, url: str, detail: str = "") -> None:
        super().__init__(
            f"Không tải được {url} ({kind}{': ' + detail if detail else ''}).",
            f"Could not fetch {url} ({kind}{': ' + detail if detail else ''}).",
            kind=kind,
            url=url,
        )
        self.kind = kind
        self.url = url


class ExtractionCrashed(VigilError):
    """The extraction worker process handling a page died (killed, out of memory, crashed).

    Not a DropItem: the page may be fine, so it is retried on the next run."""

    code = "extract_crashed"

    def __init__(self, url: str, detail: str = "") -> None:
        super().__init__(
            f"Tiến trình trích xuất bị dừng khi xử lý {url}.",
            f"The extraction worker died while handling {url}{': ' + detail if detail else ''}.",
            url=url,
        )


__all__ = ["BlockedAddress", "DropItem", "ExtractionCrashed", "FetchFailed"]
