"""Signed webhooks to partners: events are queued as Delivery rows, sent with an HMAC-SHA256
signature over timestamp and body, retried with exponential backoff, dead-lettered after
N tries and redeliverable by an admin. Every event carries an idempotency key, the same on
every retry, so a receiver recognises duplicates."""

import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx2
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from crawlers import ssrf
from crawlers.errors import BlockedAddress
from models.enums import DeliveryStatus
from models.errors import InvalidInput, NotFound
from models.partners import Brief, Delivery, WebhookEndpoint
from models.types import utcnow
from models.urls import split_http_url
from rebuttal import cursor as cursors
from rebuttal.settings import DeskSettings

EVENTS = ("brief.published", "brief.corrected", "brief.retracted")
SIGNATURE_HEADER = "X-Vigil-Signature"
TIMESTAMP_HEADER = "X-Vigil-Timestamp"
MAX_ENDPOINTS_PER_PARTNER = 10


class EndpointNotFound(NotFound):
    code = "webhook_endpoint_not_found"


class DeliveryNotFound(NotFound):
    code = "delivery_not_found"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(
    secret: str,
    *,
    timestamp: str,
    signature: str,
    body: bytes,
    tolerance_seconds: int = 300,
    now: float | None = None,
) -> bool:
    """What a receiver does: recompute the signature and refuse stale timestamps (replays)."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - sent) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def _check_url(url: str, settings: DeskSettings) -> None:
    parts = split_http_url(url)
    if parts is None or not parts.hostname:
        raise InvalidInput(
            "Địa chỉ webhook phải là http(s) đầy đủ.",
            "The webhook URL must be a full http(s) address.",
            field="url",
        )
    if settings.webhook_allow_private:
        return
    host = parts.hostname.lower().rstrip(".")
    internal = host in ("localhost",) or host.endswith((".localhost", ".internal", ".local"))
    try:
        ip = ipaddress.ip_address(host)
        internal = internal or not ip.is_global
    except ValueError:
        pass
    if internal:
        raise InvalidInput(
            "Không nhận địa chỉ webhook trong mạng nội bộ.",
            "Webhook URLs on internal networks are not accepted.",
            field="url",
        )


def create_endpoint(
    *,
    session: Session,
    partner_id: int,
    url: str,
    events: Sequence[str],
    settings: DeskSettings | None = None,
) -> tuple[WebhookEndpoint, str]:
    settings = settings or DeskSettings()
    _check_url(url, settings)
    unknown = sorted(set(events) - set(EVENTS))
    if unknown:
        raise InvalidInput(
            f"Sự kiện không có: {', '.join(unknown)}.",
            f"Unknown events: {', '.join(unknown)}.",
            field="events",
        )
    live = list_endpoints(session=session, partner_id=partner_id)
    if len(live) >= MAX_ENDPOINTS_PER_PARTNER:
        raise InvalidInput(
            f"Mỗi đối tác có tối đa {MAX_ENDPOINTS_PER_PARTNER} địa chỉ webhook.",
            f"A partner may have at most {MAX_ENDPOINTS_PER_PARTNER} webhook endpoints.",
            field="url",
        )
    secret = "whsec_" + secrets.token_urlsafe(32)
    row = WebhookEndpoint(
        partner_id=partner_id, url=url, secret=secret, events=sorted(set(events)) or [*EVENTS]
    )
    session.add(row)
    session.flush()
    return row, secret


def list_endpoints(*, session: Session, partner_id: int) -> Sequence[WebhookEndpoint]:
    return session.exec(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.partner_id == partner_id, col(WebhookEndpoint.active).is_(True))
        .order_by(col(WebhookEndpoint.id))
    ).all()


def deactivate_endpoint(*, session: Session, partner_id: int, endpoint_id: int) -> WebhookEndpoint:
    row = session.get(WebhookEndpoint, endpoint_id)
    if row is None or row.partner_id != partner_id or not row.active:
        raise EndpointNotFound(
            f"Không tìm thấy webhook #{endpoint_id}.", f"Webhook #{endpoint_id} not found."
        )
    # Kept, not deleted, so its delivery log survives.
    row.active = False
    session.add(row)
    session.flush()
    return row


def enqueue(
    *,
    session: Session,
    event: str,
    brief: Brief,
    partner_ids: Sequence[int],
    payload: dict[str, Any],
) -> list[Delivery]:
    """Queue one delivery per live endpoint of each partner that subscribed to the event."""
    assert event in EVENTS and brief.id is not None
    if not partner_ids:
        return []
    key = f"{event}:{brief.id}:v{brief.version}"
    body = {"id": key, "event": event, "created_at": utcnow().isoformat(), "data": payload}
    endpoints = session.exec(
        select(WebhookEndpoint).where(
            col(WebhookEndpoint.partner_id).in_(partner_ids), col(WebhookEndpoint.active).is_(True)
        )
    ).all()
    rows = []
    for endpoint in endpoints:
        if event not in endpoint.events:
            continue
        assert endpoint.id is not None
        row = Delivery(
            endpoint_id=endpoint.id,
            event=event,
            idempotency_key=key,
            payload=body,
            next_attempt_at=utcnow(),
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def backoff(attempts: int, settings: DeskSettings) -> timedelta:
    seconds = settings.webhook_backoff_base_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.webhook_backoff_max_seconds))


def _next_due(session: Session, now: datetime) -> Delivery | None:
    query = (
        select(Delivery)
        .where(
            Delivery.status == DeliveryStatus.pending,
            col(Delivery.next_attempt_at) <= now,
        )
        .order_by(col(Delivery.next_attempt_at), col(Delivery.id))
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Several workers may sweep at once: each takes a different delivery.
        query = query.with_for_update(skip_locked=True)
    return session.exec(query).first()


def _internal_address(url: str) -> str | None:
    """Why the URL must not be called, checked at every send and after DNS (a public name
    may since point inside the network), or None."""
    try:
        ssrf.check_url_static(url, ssrf.Allowlist(()))
    except BlockedAddress as exc:
        return exc.message_en
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(
            host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError):
        return None  # unresolvable: the request itself fails and is retried
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if ssrf.is_blocked_ip(address):
            return f"{host} resolves to the internal address {address}"
    return None


def _send(
    client: httpx2.Client, delivery: Delivery, endpoint: WebhookEndpoint, settings: DeskSettings
) -> tuple[bool, int | None, str | None]:
    if not settings.webhook_allow_private:
        reason = _internal_address(endpoint.url)
        if reason is not None:
            return False, None, f"blocked: {reason}"[:1000]
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Vigil-Webhooks/1",
        "X-Vigil-Event": delivery.event,
        "X-Vigil-Delivery": str(delivery.id),
        "Idempotency-Key": delivery.idempotency_key,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body),
    }
    try:
        response = client.post(endpoint.url, content=body, headers=headers)
    except httpx2.HTTPError as exc:
        return False, None, f"{type(exc).__name__}: {exc}"[:1000]
    if 200 <= response.status_code < 300:
        return True, response.status_code, None
    return False, response.status_code, f"HTTP {response.status_code}: {response.text[:500]}"


def deliver_due_webhooks(
    *, engine: Engine, settings: DeskSettings | None = None, now: datetime | None = None
) -> dict[str, int]:
    """Send every delivery that is due (the periodic retry sweep). Each delivery is settled
    in its own transaction, so a crash half way never loses or repeats a settled one."""
    settings = settings or DeskSettings()
    stats = {"delivered": 0, "retrying": 0, "dead": 0}
    with httpx2.Client(timeout=settings.webhook_timeout_seconds, follow_redirects=False) as client:
        for _ in range(settings.webhook_batch_size):
            with Session(engine, expire_on_commit=False) as session:
                at = now or utcnow()
                delivery = _next_due(session, at)
                if delivery is None:
                    break
                endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
                assert endpoint is not None
                ok, status, error = _send(client, delivery, endpoint, settings)
                delivery.attempts += 1
                delivery.last_status_code = status
                if ok:
                    delivery.status = DeliveryStatus.delivered
                    delivery.delivered_at = utcnow()
                    delivery.next_attempt_at = None
                    delivery.last_error = None
                    stats["delivered"] += 1
                elif delivery.attempts >= settings.webhook_max_attempts or not endpoint.active:
                    delivery.status = DeliveryStatus.dead
                    delivery.next_attempt_at = None
                    delivery.last_error = error
                    stats["dead"] += 1
                else:
                    delivery.next_attempt_at = at + backoff(delivery.attempts, settings)
                    delivery.last_error = error
                    stats["retrying"] += 1
                session.add(delivery)
                session.commit()
    return stats


def redeliver(*, session: Session, delivery_id: int) -> Delivery:
    """Put a dead (or delivered) delivery back in the queue; the idempotency key stays."""
    row = session.get(Delivery, delivery_id)
    if row is None:
        raise DeliveryNotFound(
            f"Không tìm thấy lần gửi #{delivery_id}.", f"Delivery #{delivery_id} not found."
        )
    endpoint = session.get(WebhookEndpoint, row.endpoint_id)
    if endpoint is None or not endpoint.active:
        raise InvalidInput(
            "Webhook này đã bị tắt; không gửi lại được.",
            "This webhook endpoint is inactive; it cannot be redelivered.",
            field="delivery_id",
        )
    row.status = DeliveryStatus.pending
    row.attempts = 0
    row.next_attempt_at = utcnow()
    session.add(row)
    session.flush()
    return row


def list_deliveries(
    *,
    session: Session,
    partner_id: int | None = None,
    status: DeliveryStatus | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[Sequence[Delivery], str | None]:
    query = select(Delivery).order_by(col(Delivery.id).desc()).limit(limit + 1)
    if partner_id is not None:
        query = query.join(WebhookEndpoint, col(WebhookEndpoint.id) == Delivery.endpoint_id).where(
            WebhookEndpoint.partner_id == partner_id
        )
    if status is not None:
        query = query.where(Delivery.status == status)
    if cursor:
        [last_id] = cursors.decode(cursor, "delivery", 1)
        if not isinstance(last_id, int):
            raise InvalidInput("Con trỏ không hợp lệ.", "Invalid cursor.", field="cursor")
        query = query.where(col(Delivery.id) < last_id)
    rows = session.exec(query).all()
    next_cursor = cursors.encode("delivery", rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor
