from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlmodel import Session

from models.crawl import Source
from models.enums import SourceKind
from models.types import UTCDateTime, assume_vietnam_time


def test_aware_datetimes_round_trip_as_utc(session: Session) -> None:
    hanoi = timezone(timedelta(hours=7))
    source = Source(
        name="Nguồn",
        kind=SourceKind.feed,
        url="https://example.vn/rss",
        created_at=datetime(2026, 1, 1, 7, 0, tzinfo=hanoi),
    )
    session.add(source)
    session.commit()
    session.expire_all()
    stored = session.get(Source, source.id)
    assert stored is not None
    assert stored.created_at == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    assert stored.created_at.tzinfo is not None


def test_naive_datetimes_are_refused_at_the_column() -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), None)  # type: ignore[arg-type]


def test_naive_input_is_read_as_vietnam_time() -> None:
    value = assume_vietnam_time(datetime(2026, 1, 1, 7, 0))
    assert value.astimezone(UTC) == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "url", ["http://[", "https://example.vn:port/x", "ftp://example.vn/", "example.vn", ""]
)
def test_malformed_urls_read_as_invalid(url: str) -> None:
    from models.urls import split_http_url

    assert split_http_url(url) is None


def test_full_urls_split() -> None:
    from models.urls import split_http_url

    parts = split_http_url(" https://Example.vn:8443/a?b=1 ")
    assert parts is not None and parts.hostname == "example.vn" and parts.port == 8443
