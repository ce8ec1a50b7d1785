"""Opaque keyset cursors: base64 of a small JSON list, checked on the way back in."""

import base64
import binascii
import json
from typing import Any

from models.errors import InvalidInput


def encode(kind: str, *values: Any) -> str:
    raw = json.dumps([kind, *values], separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, kind: str, arity: int) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        data = json.loads(raw)
        if not isinstance(data, list) or len(data) != arity + 1 or data[0] != kind:
            raise ValueError(cursor)
        return data[1:]
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput(
            "Con trỏ phân trang không hợp lệ.", "The pagination cursor is invalid.", field="cursor"
        ) from None
