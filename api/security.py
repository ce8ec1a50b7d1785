"""Bearer tokens for staff sessions (JWT, HS256, signed with the service secret)."""

from datetime import timedelta
from typing import Any

import jwt

from api.settings import ApiSettings
from models.types import utcnow

ALGORITHM = "HS256"


def create_access_token(*, settings: ApiSettings, user_id: int, role: str) -> str:
    now = utcnow()
    payload: dict[str, Any] = {
        "sub": str(user_id),
        "role": role,
        "iat": now,
        "exp": now + timedelta(minutes=settings.access_token_minutes),
        "typ": "access",
    }
    return jwt.encode(payload, settings.secret_key, algorithm=ALGORITHM)


def decode_access_token(*, settings: ApiSettings, token: str) -> int | None:
    """The user id in a valid, unexpired token, else None."""
    try:
        payload = jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM])
    except jwt.PyJWTError:
        return None
    if payload.get("typ") != "access":
        return None
    try:
        return int(payload["sub"])
    except (KeyError, TypeError, ValueError):
        return None
