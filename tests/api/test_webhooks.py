"""Webhooks against a real local receiver: signatures, retries with backoff, an outage,
dead letters and redelivery. Time is moved forward by passing `now`, never by sleeping."""

import json
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from api.settings import ApiSettings
from models.enums import Role
from models.partners import Delivery
from models.types import utcnow
from rebuttal import rebuttals as rebuttals_service
from rebuttal import webhooks
from rebuttal.actors import Actor
from rebuttal.schemas import CorrectIn
from rebuttal.settings import DeskSettings
from tests.api.desk_helpers import make_staff, publish_brief

SETTINGS = DeskSettings(
    webhook_backoff_base_seconds=10,
    webhook_max_attempts=4,
    webhook_allow_private=True,
    webhook_timeout_seconds=2,
)


class Receiver:
    """A partner's webhook receiver: checks every signature, remembers idempotency keys."""

    def __init__(self) -> None:
        self.secret = ""
        self.failures_left = 0
        self.received: list[dict[str, Any]] = []
        self.bad_signatures = 0
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = webhooks.verify(
                    receiver.secret,
                    timestamp=self.headers[webhooks.TIMESTAMP_HEADER],
                    signature=self.headers[webhooks.SIGNATURE_HEADER],
                    body=body,
                )
                if not ok:
                    receiver.bad_signatures += 1
                    self.send_response(401)
                elif receiver.failures_left > 0:
                    receiver.failures_left -= 1
                    self.send_response(500)
                else:
                    receiver.received.append(
                        {"key": self.headers["Idempotency-Key"], "body": json.loads(body)}
                    )
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()

    @property
    def keys(self) -> list[str]:
        return [r["key"] for r in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def subscribed(
    engine: Engine, receiver: Receiver, make_partner: Callable[..., tuple[int, str]]
) -> tuple[int, str]:
    partner_id, key = make_partner(topics=("giao_duc",))
    with Session(engine) as session:
        _, secret = webhooks.create_endpoint(
            session=session, partner_id=partner_id, url=receiver.url, events=[], settings=SETTINGS
        )
        session.commit()
    receiver.secret = secret
    return partner_id, key


def sweep(engine: Engine, minutes: float = 0) -> dict[str, int]:
    return webhooks.deliver_due_webhooks(
        engine=engine, settings=SETTINGS, now=utcnow() + timedelta(minutes=minutes)
    )


def deliveries(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(session.exec(select(Delivery).order_by(Delivery.id)).all())  # type: ignore[arg-type]


def test_signed_delivery_verified_by_the_receiver(
    engine: Engine, receiver: Receiver, subscribed: tuple[int, str]
) -> None:
    _, _, brief_id = publish_brief(engine)
    assert sweep(engine) == {"delivered": 1, "retrying": 0, "dead": 0}
    assert receiver.bad_signatures == 0
    [got] = receiver.received
    assert got["key"] == f"brief.published:{brief_id}:v1"
    assert got["body"]["event"] == "brief.published"
    assert got["body"]["data"]["brief_id"] == brief_id
    assert got["body"]["data"]["verdict"] == "tin_sai_su_that"
    assert sweep(engine) == {"delivered": 0, "retrying": 0, "dead": 0}
    [row] = deliveries(engine)
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 1, 204)


def test_signature_checks_refuse_tampering() -> None:
    body = b'{"event":"brief.published"}'
    signature = webhooks.sign("whsec_a", "1700000000", body)
    assert webhooks.verify(
        "whsec_a", timestamp="1700000000", signature=signature, body=body, now=1700000010
    )
    for secret, timestamp, payload, now in [
        ("whsec_b", "1700000000", body, 1700000010),
        ("whsec_a", "1700000000", body + b" ", 1700000010),
        ("whsec_a", "1700000001", body, 1700000010),
        ("whsec_a", "1700000000", body, 1700009999),  # replayed long after
        ("whsec_a", "not-a-time", body, 1700000010),
    ]:
        assert not webhooks.verify(
            secret, timestamp=timestamp, signature=signature, body=payload, now=now
        )


def test_receiver_failing_then_recovering(
    engine: Engine, receiver: Receiver, subscribed: tuple[int, str]
) -> None:
    publish_brief(engine)
    receiver.failures_left = 2
    assert sweep(engine)["retrying"] == 1
    [row] = deliveries(engine)
    assert row.attempts == 1 and row.last_status_code == 500 and row.status == "pending"
    assert row.next_attempt_at is not None
    # Not due before its backoff: nothing is sent.
    assert sweep(engine, minutes=0.1) == {"delivered": 0, "retrying": 0, "dead": 0}
    assert sweep(engine, minutes=0.2)["retrying"] == 1  # 10 s after the first try
    [row] = deliveries(engine)
    assert row.attempts == 2
    assert sweep(engine, minutes=0.3) == {"delivered": 0, "retrying": 0, "dead": 0}  # 20 s wait
    assert sweep(engine, minutes=1)["delivered"] == 1
    [row] = deliveries(engine)
    assert (row.status, row.attempts) == ("delivered", 3)
    assert len(receiver.keys) == 1


def test_receiver_down_for_a_while_loses_nothing(
    engine: Engine, receiver: Receiver, subscribed: tuple[int, str], make_user: Any
) -> None:
    receiver.stop()
    published = [publish_brief(engine) for _ in range(3)]
    approver_id = make_user(Role.approver).id
    with Session(engine) as session:
        rebuttals_service.correct(
            session=session,
            rebuttal_id=published[0][1],
            correct_in=CorrectIn(summary="Đính chính số liệu", note="Sai số liệu"),
            actor=Actor(user_id=approver_id, role=Role.approver),
        )
        rebuttals_service.retract(
            session=session,
            rebuttal_id=published[1][1],
            actor=Actor(user_id=approver_id, role=Role.approver),
            expected=None,
            note="Rút lại",
        )
        session.commit()
    for minutes in (0, 1, 2):
        stats = sweep(engine, minutes=minutes)
        assert stats["delivered"] == 0
    assert all(d.status == "pending" and d.last_status_code is None for d in deliveries(engine))
    assert all("ConnectError" in (d.last_error or "") for d in deliveries(engine))
    receiver.start()
    assert sweep(engine, minutes=30)["delivered"] == 5
    expected_keys = {d.idempotency_key for d in deliveries(engine)}
    assert len(expected_keys) == 5
    assert set(receiver.keys) == expected_keys  # every event at least once, none lost
    assert all(d.status == "delivered" for d in deliveries(engine))


def test_dead_letter_and_redelivery(
    client: TestClient,
    engine: Engine,
    receiver: Receiver,
    subscribed: tuple[int, str],
    api_settings: ApiSettings,
) -> None:
    _, key = subscribed
    publish_brief(engine)
    receiver.failures_left = 100
    for minutes in (0, 1, 5, 60):
        sweep(engine, minutes=minutes)
    [row] = deliveries(engine)
    assert (row.status, row.attempts) == ("dead", SETTINGS.webhook_max_attempts)
    assert sweep(engine, minutes=600) == {"delivered": 0, "retrying": 0, "dead": 0}
    admin = make_staff(engine, api_settings, Role.admin)
    dead = client.get("/webhooks/deliveries", params={"status": "dead"}, headers=admin.headers)
    assert [d["id"] for d in dead.json()["items"]] == [row.id]
    log = client.get("/partner/deliveries", headers={"X-API-Key": key}).json()
    assert [d["status"] for d in log["items"]] == ["dead"]
    receiver.failures_left = 0
    redone = client.post(f"/webhooks/deliveries/{row.id}/redeliver", headers=admin.headers)
    assert redone.status_code == 200 and redone.json()["status"] == "pending"
    assert sweep(engine)["delivered"] == 1
    assert receiver.keys == [row.idempotency_key]
    assert (
        client.post("/webhooks/deliveries/424242/redeliver", headers=admin.headers).status_code
        == 404
    )
    assert (
        client.get(
            "/webhooks/deliveries", params={"status": "lost"}, headers=admin.headers
        ).status_code
        == 422
    )


def test_registering_endpoints(
    client: TestClient, make_partner: Callable[..., tuple[int, str]]
) -> None:
    _, key = make_partner()
    _, other_key = make_partner()
    headers = {"X-API-Key": key}
    created = client.post(
        "/partner/webhooks",
        json={"url": "https://bao.example/hooks/vigil", "events": ["brief.published"]},
        headers=headers,
    )
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    listed = client.get("/partner/webhooks", headers=headers).json()
    assert "secret" not in listed[0] and listed[0]["events"] == ["brief.published"]
    assert client.get("/partner/webhooks", headers={"X-API-Key": other_key}).json() == []
    endpoint_id = created.json()["id"]
    foreign = client.delete(f"/partner/webhooks/{endpoint_id}", headers={"X-API-Key": other_key})
    assert foreign.status_code == 404
    for body in [
        {"url": "http://127.0.0.1:8000/x"},
        {"url": "http://localhost/x"},
        {"url": "http://10.0.0.5/x"},
        {"url": "ftp://bao.example/x"},
        {"url": "https://bao.example/x", "events": ["case.opened"]},
        {"url": "https://bao.example/x", "secret": "mine"},
    ]:
        response = client.post("/partner/webhooks", json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
    assert client.delete(f"/partner/webhooks/{endpoint_id}", headers=headers).status_code == 200
    assert client.get("/partner/webhooks", headers=headers).json() == []


def test_desk_jobs_are_registered() -> None:
    from api.ops.registry import load_jobs

    jobs = load_jobs()
    assert jobs["sla-check"].every is not None
    assert jobs["webhook-deliveries"].every is not None
    assert jobs["queue-priority-refresh"].every is not None


def test_a_receiver_inside_the_network_is_never_called(
    engine: Engine, receiver: Receiver, subscribed: tuple[int, str]
) -> None:
    """An endpoint that (now) resolves to a private address is refused at send time."""
    publish_brief(engine)
    strict = SETTINGS.model_copy(update={"webhook_allow_private": False})
    stats = webhooks.deliver_due_webhooks(engine=engine, settings=strict)
    assert stats == {"delivered": 0, "retrying": 1, "dead": 0}
    [row] = deliveries(engine)
    assert row.last_error is not None and row.last_error.startswith("blocked")
    assert receiver.received == []
