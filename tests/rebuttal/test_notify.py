"""Telling reporters the outcome: e-mail through a real local SMTP server, the outbox
directory, phone contacts, a server that is down and then back, and sending only once."""

import email
import email.policy
import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from models.cases import Case
from models.desk import Report
from models.enums import CaseState, RebuttalStatus, Role
from models.rebuttals import Rebuttal
from models.types import utcnow
from models.users import User
from rebuttal.notify import Message, channel_for, notify_reporters
from rebuttal.reports import ReportIn
from rebuttal.settings import DeskSettings
from tests.conftest import REPORT_DESCRIPTION, file_report


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        assert isinstance(envelope.content, bytes)
        self.messages.append(parse(envelope.content))
        return "250 OK"


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body_of(message: EmailMessage) -> str:
    content = message.get_content()
    assert isinstance(content, str)
    return content


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield handler
    controller.stop()


def smtp_settings(port: int, **extra: object) -> DeskSettings:
    return DeskSettings(
        notify_backend="smtp",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_timeout_seconds=2,
        mail_from="Vigil <no-reply@vigil.test>",
        public_base_url="https://vigil.test",
        **extra,  # type: ignore[arg-type]
    )


def decide(engine: Engine, report_id: int, *, publish: bool) -> None:
    with Session(engine) as session:
        report = session.get(Report, report_id)
        assert report is not None
        case = session.get(Case, report.case_id)
        assert case is not None and case.id is not None
        if publish:
            author = User(username=f"bien-tap-{report_id}", role=Role.editor, password_hash="!")
            session.add(author)
            session.flush()
            assert author.id is not None
            case.state = CaseState.published
            session.add(
                Rebuttal(
                    case_id=case.id,
                    verdict="tin_gia",
                    summary="Học phí năm học mới không tăng gấp ba.",
                    status=RebuttalStatus.published,
                    author_id=author.id,
                    published_at=utcnow(),
                )
            )
        else:
            case.state = CaseState.dismissed
        session.add(case)
        session.commit()


def stored(engine: Engine, report_id: int) -> Report:
    with Session(engine) as session:
        report = session.get(Report, report_id)
        assert report is not None
        return report


def test_the_reporter_gets_one_email_with_the_outcome(
    engine: Engine, inbox: Inbox, smtp_port: int
) -> None:
    report_id = file_report(engine, "https://mxh.vn/bai/1", "phuhuynh@example.vn")
    settings = smtp_settings(smtp_port)
    # No outcome yet: nothing to send.
    assert notify_reporters(engine=engine, settings=settings)["sent"] == 0
    decide(engine, report_id, publish=True)

    assert notify_reporters(engine=engine, settings=settings) == {
        "sent": 1,
        "failed": 0,
        "undeliverable": 0,
    }

    [message] = inbox.messages
    assert inbox.envelopes[0].rcpt_tos == ["phuhuynh@example.vn"]
    assert "Outcome of your report" in str(message["Subject"])
    assert "Kết quả phản ánh" in str(message["Subject"])
    body = body_of(message)
    assert "Tin giả" in body and "Học phí năm học mới không tăng gấp ba." in body
    assert "https://vigil.test/claimreview/" in body
    assert f"https://vigil.test/ui/report/{stored(engine, report_id).token}" in body
    assert stored(engine, report_id).notified_at is not None
    # Sent once: the next run finds nothing.
    assert notify_reporters(engine=engine, settings=settings)["sent"] == 0
    assert len(inbox.messages) == 1


def test_a_dismissed_report_is_answered_too(engine: Engine, inbox: Inbox, smtp_port: int) -> None:
    report_id = file_report(engine, "https://mxh.vn/bai/1", "nguoidan@example.vn")
    decide(engine, report_id, publish=False)
    assert notify_reporters(engine=engine, settings=smtp_settings(smtp_port))["sent"] == 1
    assert "không cần phản bác" in body_of(inbox.messages[0])


def wind_back(engine: Engine, report_id: int, by: timedelta) -> None:
    """Move the report's last try `by` into the past."""
    with Session(engine) as session:
        report = session.get(Report, report_id)
        assert report is not None and report.notify_tried_at is not None
        report.notify_tried_at -= by
        session.add(report)
        session.commit()


def pause_over(engine: Engine, report_id: int) -> None:
    """Move the report's last try a day into the past, so its pause is over."""
    wind_back(engine, report_id, timedelta(days=1))


def test_a_server_that_is_down_is_tried_again_until_it_is_back(
    engine: Engine, smtp_port: int
) -> None:
    report_id = file_report(engine, "https://mxh.vn/bai/1", "phuhuynh@example.vn")
    decide(engine, report_id, publish=True)
    settings = smtp_settings(smtp_port, notify_max_attempts=3)

    down = notify_reporters(engine=engine, settings=settings)  # nothing listens on the port

    assert down == {"sent": 0, "failed": 1, "undeliverable": 0}
    waiting = stored(engine, report_id)
    assert waiting.notified_at is None and waiting.notify_attempts == 1
    assert waiting.notify_error and "Connection" in waiting.notify_error
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        # The next try waits its pause (5 minutes after the first failure)...
        assert notify_reporters(engine=engine, settings=settings)["sent"] == 0
        assert stored(engine, report_id).notify_attempts == 1
        pause_over(engine, report_id)
        # ...and then goes through.
        assert notify_reporters(engine=engine, settings=settings)["sent"] == 1
    finally:
        controller.stop()
    assert len(handler.messages) == 1
    done = stored(engine, report_id)
    assert done.notified_at is not None and done.notify_error is None


def test_attempts_stop_at_the_limit(engine: Engine, smtp_port: int) -> None:
    report_id = file_report(engine, "https://mxh.vn/bai/1", "phuhuynh@example.vn")
    decide(engine, report_id, publish=False)
    settings = smtp_settings(smtp_port, notify_max_attempts=2)
    assert notify_reporters(engine=engine, settings=settings)["failed"] == 1
    pause_over(engine, report_id)
    assert notify_reporters(engine=engine, settings=settings)["failed"] == 1
    pause_over(engine, report_id)
    assert notify_reporters(engine=engine, settings=settings)["failed"] == 0
    assert stored(engine, report_id).notify_attempts == 2


def test_the_pause_doubles_with_each_try(engine: Engine, smtp_port: int) -> None:
    report_id = file_report(engine, "https://mxh.vn/bai/1", "phuhuynh@example.vn")
    decide(engine, report_id, publish=False)
    settings = smtp_settings(smtp_port, notify_retry_minutes=5)
    for tries, waited_minutes in ((1, 4), (2, 9), (3, 19)):
        assert notify_reporters(engine=engine, settings=settings)["failed"] == 1
        assert stored(engine, report_id).notify_attempts == tries
        # Not yet due a minute before the pause (5, 10, 20 minutes) is over...
        wind_back(engine, report_id, timedelta(minutes=waited_minutes))
        assert notify_reporters(engine=engine, settings=settings)["failed"] == 0
        wind_back(engine, report_id, timedelta(minutes=1, seconds=1))  # ...and due after it.


def test_overlapping_runs_send_the_message_once(
    engine: Engine, inbox: Inbox, smtp_port: int
) -> None:
    report_id = file_report(engine, "https://mxh.vn/bai/1", "phuhuynh@example.vn")
    decide(engine, report_id, publish=True)
    settings = smtp_settings(smtp_port)

    class SlowChannel:
        """Sends through SMTP, and lets a second run start while the first is sending."""

        def __init__(self) -> None:
            self.inner = channel_for(settings)
            self.nested: dict[str, int] | None = None

        def send(self, message: Message) -> None:
            if self.nested is None:
                self.nested = notify_reporters(engine=engine, settings=settings)
            assert self.inner is not None
            self.inner.send(message)

    slow = SlowChannel()
    assert notify_reporters(engine=engine, settings=settings, channel=slow)["sent"] == 1
    assert slow.nested == {"sent": 0, "failed": 0, "undeliverable": 0}
    assert len(inbox.messages) == 1 and stored(engine, report_id).notify_attempts == 1


def test_a_phone_contact_cannot_be_emailed_and_is_not_retried(
    engine: Engine, inbox: Inbox, smtp_port: int
) -> None:
    report_id = file_report(engine, "https://mxh.vn/bai/1", "+84 912 345 678")
    decide(engine, report_id, publish=False)
    settings = smtp_settings(smtp_port)
    assert notify_reporters(engine=engine, settings=settings)["undeliverable"] == 1
    assert notify_reporters(engine=engine, settings=settings)["undeliverable"] == 0
    report = stored(engine, report_id)
    assert report.notified_at is None and report.notify_error is not None
    assert "SMS" in report.notify_error and inbox.messages == []


def test_the_outbox_keeps_every_message_as_a_file(engine: Engine, tmp_path: Path) -> None:
    by_mail = file_report(engine, "https://mxh.vn/bai/1", "phuhuynh@example.vn")
    by_phone = file_report(engine, "https://mxh.vn/bai/2", "0912345678")
    no_contact = file_report(engine, "https://mxh.vn/bai/3", None)
    for report_id in (by_mail, by_phone, no_contact):
        decide(engine, report_id, publish=False)
    settings = DeskSettings(notify_backend="outbox", outbox_dir=tmp_path / "outbox")

    assert notify_reporters(engine=engine, settings=settings)["sent"] == 2

    files = sorted(p.name for p in (tmp_path / "outbox").iterdir())
    assert len(files) == 2
    assert any(name.endswith(".eml") for name in files)
    assert any(name.endswith(".sms.txt") for name in files)
    eml = next((tmp_path / "outbox").glob("*.eml"))
    assert parse(eml.read_bytes())["To"] == "phuhuynh@example.vn"
    assert stored(engine, no_contact).notified_at is None


def test_off_sends_nothing(engine: Engine) -> None:
    report_id = file_report(engine, "https://mxh.vn/bai/1", "phuhuynh@example.vn")
    decide(engine, report_id, publish=False)
    counts = notify_reporters(engine=engine, settings=DeskSettings(notify_backend="off"))
    assert counts == {"sent": 0, "failed": 0, "undeliverable": 0}
    assert stored(engine, report_id).notified_at is None


@pytest.mark.parametrize(
    "contact",
    [
        "phuhuynh@example.vn,postmaster",
        "phuhuynh@example.vn, root",
        "postmaster;phuhuynh@example.vn",
        "ke-xau<phuhuynh@example.vn>",
        "nhom:phuhuynh@example.vn;",
        '"a,b"@example.vn',
        "phuhuynh@exam\x01ple.vn",
    ],
)
def test_a_contact_that_names_more_than_one_recipient_is_refused(contact: str) -> None:
    with pytest.raises(ValidationError):
        ReportIn(url="https://mxh.vn/bai/1", description=REPORT_DESCRIPTION, contact=contact)


def test_only_the_contact_is_mailed_even_if_it_was_stored_with_more_recipients(
    engine: Engine, inbox: Inbox, smtp_port: int, tmp_path: Path
) -> None:
    # A contact accepted before the check was tightened: its To header would read as a list,
    # and the relay would deliver to its local mailboxes (postmaster, root...).
    report_id = file_report(engine, "https://mxh.vn/bai/1", "phuhuynh@example.vn")
    with Session(engine) as session:
        report = session.get(Report, report_id)
        assert report is not None
        report.contact = "phuhuynh@example.vn,postmaster"
        session.add(report)
        session.commit()
    decide(engine, report_id, publish=False)

    counts = notify_reporters(engine=engine, settings=smtp_settings(smtp_port))
    outbox = DeskSettings(notify_backend="outbox", outbox_dir=tmp_path / "outbox")
    assert notify_reporters(engine=engine, settings=outbox)["sent"] == 0

    assert counts["undeliverable"] == 1 and inbox.envelopes == []
    assert not (tmp_path / "outbox").exists() or not any((tmp_path / "outbox").iterdir())
    assert stored(engine, report_id).notified_at is None


def test_the_envelope_names_only_the_contact(engine: Engine, inbox: Inbox, smtp_port: int) -> None:
    report_id = file_report(engine, "https://mxh.vn/bai/1", "phuhuynh@example.vn")
    decide(engine, report_id, publish=False)
    assert notify_reporters(engine=engine, settings=smtp_settings(smtp_port))["sent"] == 1
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["phuhuynh@example.vn"]
    assert inbox.messages[0].get_all("To") == ["phuhuynh@example.vn"]
    assert inbox.messages[0].get("Bcc") is None and inbox.messages[0].get("Cc") is None


def test_two_messages_in_the_same_clock_tick_are_two_files(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A coarse clock, a clock stepped back, or two workers: a file must never replace another
    # one, or a message marked sent would be lost.
    for n in (1, 2):
        decide(
            engine,
            file_report(engine, f"https://mxh.vn/{n}", f"nguoi{n}@example.vn"),
            publish=False,
        )
    monkeypatch.setattr(time, "time_ns", lambda: 1_790_000_000_000_000_000)
    settings = DeskSettings(notify_backend="outbox", outbox_dir=tmp_path / "outbox")

    assert notify_reporters(engine=engine, settings=settings)["sent"] == 2

    recipients = {parse(p.read_bytes())["To"] for p in (tmp_path / "outbox").glob("*.eml")}
    assert recipients == {"nguoi1@example.vn", "nguoi2@example.vn"}


def test_reports_merged_into_an_open_case_do_not_hide_a_decided_one(
    engine: Engine, tmp_path: Path
) -> None:
    # Their cases look decided (merged) until the chain is followed to the open survivor.
    survivor = stored(engine, file_report(engine, "https://mxh.vn/goc", None)).case_id
    merged = [file_report(engine, f"https://mxh.vn/{n}", f"cho{n}@example.vn") for n in range(6)]
    with Session(engine) as session:
        for report_id in merged:
            case = session.get(Case, stored(engine, report_id).case_id)
            assert case is not None
            case.merged_into_id = survivor
            session.add(case)
        session.commit()
    decided = file_report(engine, "https://mxh.vn/da-xong", "phuhuynh@example.vn")
    decide(engine, decided, publish=False)
    settings = DeskSettings(notify_backend="outbox", outbox_dir=tmp_path / "outbox", notify_batch=1)

    assert notify_reporters(engine=engine, settings=settings)["sent"] == 1
    assert stored(engine, decided).notified_at is not None
