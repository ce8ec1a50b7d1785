"""Dates as Vietnamese sites print them: day first, local time in Asia/Ho_Chi_Minh.

Examples: "Thứ hai, 4/5/2025, 14:30 (GMT+7)" (VnExpress), "04/05/2025 14:30 GMT+7"
(Tuổi Trẻ), "14:30 ngày 4/5/2025", "4-5-2025 - 14:30", "Ngày 4 tháng 5 năm 2025",
plus ISO 8601 and RFC 822 as feeds and meta tags use them.
"""

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_DMY = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)")
_WORDS = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)
_TIME = re.compile(r"(?<!\d)(\d{1,2})\s*[:hH]\s*(\d{2})(?:\s*:\s*(\d{2}))?(?!\d)")
_OFFSET = re.compile(r"(?:GMT|UTC)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.I)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=VN_TZ)
    return value.astimezone(UTC)


def parse_date(text: str | None) -> datetime | None:
    """An aware UTC datetime, or None when the text holds no recognisable date."""
    if not text:
        return None
    text = " ".join(text.split())
    if not text:
        return None
    iso = text.replace("Z", "+00:00") if re.match(r"^\d{4}-\d{2}-\d{2}", text) else None
    if iso:
        try:
            return _aware(datetime.fromisoformat(iso))
        except ValueError:
            pass
    if re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}", text):
        try:
            return _aware(parsedate_to_datetime(text))
        except (TypeError, ValueError):
            pass
    match = _DMY.search(text) or _WORDS.search(text)
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    hour = minute = second = 0
    rest = text[: match.start()] + " " + text[match.end() :]
    time_match = _TIME.search(rest)
    if time_match:
        hour, minute = int(time_match.group(1)), int(time_match.group(2))
        second = int(time_match.group(3) or 0)
    tz: timezone | ZoneInfo = VN_TZ
    offset = _OFFSET.search(rest)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        delta = timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3) or 0))
        tz = timezone(sign * delta)
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tz).astimezone(UTC)
    except ValueError:
        return None
