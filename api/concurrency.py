"""Optimistic concurrency over HTTP: the version a client read comes back as If-Match
(a mismatch is 412) or as `version` in the body (a mismatch is 409)."""

from typing import Annotated, Any

from fastapi import Header, Response

from models.errors import InvalidInput
from rebuttal.workflow import Expected

IfMatch = Annotated[
    str | None,
    Header(
        max_length=100,
        description='The ETag from the last read, e.g. "3"; or send `version` in the body',
    ),
]

PRECONDITION_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"description": "The `version` in the body is stale: someone changed it first"},
    412: {"description": "If-Match does not match the current version"},
}


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def expected_version(if_match: str | None, body_version: int | None) -> Expected:
    if if_match is not None:
        value = if_match.strip()
        if value.startswith("W/"):
            value = value[2:]
        value = value.strip('"')
        if not value.isdigit() or not 0 < int(value) < 2**31:
            raise InvalidInput(
                'If-Match phải là ETag đã nhận, ví dụ "3".',
                'If-Match must be an ETag you received, e.g. "3".',
                field="If-Match",
            )
        return Expected(int(value), from_header=True)
    if body_version is None:
        raise InvalidInput(
            "Cần gửi phiên bản đã đọc (If-Match hoặc trường version) để không ghi đè "
            "thay đổi của người khác.",
            "Send the version you read (If-Match or `version`) so nobody's change is overwritten.",
            field="version",
        )
    return Expected(body_version)
