"""Column types that behave the same on SQLite and PostgreSQL."""

import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, StringConstraints
from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# The largest id a PostgreSQL integer column holds: ids from outside are checked against it.
MAX_ID = 2_147_483_647


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware.

    SQLite has no time zone type, so without this a value read back would be naive
    and comparisons with aware values would raise.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Vigil stores aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def assume_vietnam_time(value: datetime) -> datetime:
    """A time given without an offset is read as Vietnam time, where staff and sources are."""
    return value.replace(tzinfo=VIETNAM_TZ) if value.tzinfo is None else value


LocalDateTime = Annotated[datetime, AfterValidator(assume_vietnam_time)]


# -- text typed by people ----------------------------------------------------------------


def no_control(value: str) -> str:
    # PostgreSQL refuses NUL in text; other control characters are never meant in these fields.
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        raise ValueError("control characters are not allowed")
    return value


def nfc(value: str) -> str:
    # One spelling for one text: "ế" typed as e + two combining marks (macOS, some Vietnamese
    # keyboards) is stored as the one character posts and claims use, so it compares equal.
    return unicodedata.normalize("NFC", value)


def not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


# A name shown in lists (a source, a partner): trimmed, NFC, never blank.
Name = Annotated[
    str,
    StringConstraints(max_length=200),
    AfterValidator(no_control),
    AfterValidator(not_blank),
    AfterValidator(nfc),
]
