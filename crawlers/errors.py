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
    """An extraction worker process died (killed, out of memory, crashed) while this page
    was waiting for or in extraction; the pool then stops every page it had, whichever
    one the dead worker held.

    Not a DropItem: the page is most likely fine, so it is retried on the next run."""

    code = "extract_crashed"

    def __init__(self, url: str, detail: str = "") -> None:
        super().__init__(
            f"Tiến trình trích xuất bị dừng khi {url} đang chờ hoặc đang được xử lý; "
            "trang sẽ được thử lại ở lần thu thập sau.",
            f"An extraction worker died while {url} was waiting for or in extraction"
            f"{' (' + detail + ')' if detail else ''}; it is retried on the next run.",
            url=url,
        )


__all__ = ["BlockedAddress", "DropItem", "ExtractionCrashed", "FetchFailed"]
