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
