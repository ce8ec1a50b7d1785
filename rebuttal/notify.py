"""Telling reporters the outcome of their report.

A reporter who left a contact is told once their case is answered (a rebuttal published)
or closed (dismissed). Channels, chosen by `VIGIL_DESK_NOTIFY_BACKEND`:

- `smtp`: e-mail through the configured SMTP server; a phone contact cannot be reached
  this way and is recorded as such (the reporter can still look the outcome up by token);
- `outbox` (default, embedded): every message, e-mail or SMS, is written as a file into the
  outbox directory for an operator or a gateway to pick up; nothing leaves the machine;
- `off`: nothing is sent.

A failed send is tried again after a pause that doubles with each try (5, 10, 20...
minutes, `notify_retry_minutes`), up to `notify_max_attempts` times, and the last error is
kept on the report. Each try is counted before the message is sent, so two overlapping runs
never send it twice; it is marked sent only after the channel accepted it.
"""

import logging
import smtplib
import ssl
import time
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine
from sqlmodel import Session, col

from models import backoff
from models.desk import Report
from models.enums import VERDICT_LABELS
from models.settings import CoreSettings
from rebuttal import reports as reports_service
from rebuttal.reports import EMAIL, PHONE, ReportOutcome
from rebuttal.settings import DeskSettings

logger = logging.getLogger(__name__)


class Undeliverable(Exception):
    """The contact cannot be reached through this channel: trying again will not help."""


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str

    @property
    def is_email(self) -> bool:
        return EMAIL.match(self.to) is not None

    @property
    def is_phone(self) -> bool:
        return PHONE.match(self.to) is not None


def _reachable(message: Message) -> None:
    # Contacts stored before the checks were tightened are refused here, not sent on.
    if not (message.is_email or message.is_phone):
        raise Undeliverable("the contact is neither one e-mail address nor a phone number")


class Channel(Protocol):
    def send(self, message: Message) -> None: ...


def compose(report: Report, outcome: ReportOutcome, settings: DeskSettings) -> Message:
    """The outcome in Vietnamese, then in English, with the token to look it up again."""
    assert report.contact is not None
    base = settings.public_base_url.rstrip("/")
    # The page a person reads (verdict and summary in their language), not the JSON API.
    look_up = f"{base}/ui/report/{report.token}"
    vi_outcome = reports_service.OUTCOME_TEXT[outcome.status][0]
    en_outcome = reports_service.OUTCOME_TEXT[outcome.status][1]
    vi = [
        "Kính gửi bạn,",
        "",
        f"Phản ánh của bạn về {report.url} đã có kết quả: {vi_outcome}",
    ]
    en = ["", "---", "", f"Your report about {report.url} has an outcome: {en_outcome}"]
    if outcome.verdict:
        words = VERDICT_LABELS.get(outcome.verdict, (outcome.verdict, outcome.verdict))
        vi.append(f"Kết luận: {words[0]}.")
        en.append(f"Verdict: {words[1]}.")
    if outcome.summary:
        vi.append(f"Tóm tắt: {outcome.summary}")
        en.append(f"Summary: {outcome.summary}")
    if outcome.claimreview_url:
        vi.append(f"Chi tiết: {outcome.claimreview_url}")
        en.append(f"Details: {outcome.claimreview_url}")
    vi += ["", f"Tra cứu lại bằng mã phản ánh: {look_up}", "", settings.organisation_name]
    en += ["", f"Look it up again with your report token: {look_up}"]
    return Message(
        to=report.contact,
        subject=f"[{settings.organisation_name}] Kết quả phản ánh / Outcome of your report",
        body="\n".join(vi + en) + "\n",
    )


def _email(message: Message, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False, usegmt=True)
    email["Message-ID"] = make_msgid(domain="vigil.local")
    email.set_content(message.body)
    return email


class SmtpChannel:
    def __init__(self, settings: DeskSettings) -> None:
        self.settings = settings

    def send(self, message: Message) -> None:
        _reachable(message)
        if not message.is_email:
            raise Undeliverable("no SMS channel: the phone contact cannot be reached by e-mail")
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds) as smtp:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password or "")
            # The envelope names the one contact, never what a header parser makes of it.
            smtp.send_message(_email(message, s.mail_from), to_addrs=[message.to])


class OutboxChannel:
    """Each message as a file: `<n>.eml` for e-mail, `<n>.sms.txt` for a phone number."""

    def __init__(self, directory: Path, sender: str) -> None:
        self.directory = directory
        self.sender = sender

    def send(self, message: Message) -> None:
        _reachable(message)
        self.directory.mkdir(parents=True, exist_ok=True)
        # Time first so names sort in sending order; the random part keeps two messages
        # written in the same clock tick (or by two workers) from replacing one another.
        stamp = f"{time.time_ns()}-{uuid.uuid4().hex[:12]}"
        if message.is_email:
            path = self.directory / f"{stamp}.eml"
            data = bytes(_email(message, self.sender))
        else:
            path = self.directory / f"{stamp}.sms.txt"
            data = f"To: {message.to}\n\n{message.body}".encode()
        # Written whole, then renamed: a reader never sees half a message.
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(data)
        partial.replace(path)


def channel_for(settings: DeskSettings) -> Channel | None:
    if settings.notify_backend == "smtp":
        return SmtpChannel(settings)
    if settings.notify_backend == "outbox":
        directory = settings.outbox_dir or CoreSettings().data_dir / "outbox"
        return OutboxChannel(directory, settings.mail_from)
    return None


def notify_reporters(
    *,
    engine: Engine,
    settings: DeskSettings | None = None,
    channel: Channel | None = None,
    deadline: float | None = None,
) -> dict[str, int]:
    """Send every due outcome; one report per transaction, so one failure loses nothing."""
    settings = settings or DeskSettings()
    channel = channel or channel_for(settings)
    counts = {"sent": 0, "failed": 0, "undeliverable": 0}
    if channel is None:
        return counts
    with Session(engine) as session:
        due = reports_service.due_notifications(
            session=session,
            max_attempts=settings.notify_max_attempts,
            limit=settings.notify_batch,
            settings=settings,
        )
        pending = [(report.id, outcome) for report, outcome in due if report.id is not None]
    for report_id, outcome in pending:
        if deadline is not None and time.monotonic() >= deadline:
            break
        with Session(engine, expire_on_commit=False) as session:
            report = session.get(Report, report_id)
            if report is None or report.notified_at is not None:
                continue  # sent by another worker meanwhile
            attempt = report.notify_attempts + 1
            if not _take(session, report_id, attempt):
                continue  # another run took this try meanwhile
            session.refresh(report)
            try:
                channel.send(compose(report, outcome, settings))
            except Undeliverable as exc:
                report.notify_attempts = settings.notify_max_attempts
                report.notify_error = str(exc)[:300]
                counts["undeliverable"] += 1
            except (OSError, smtplib.SMTPException) as exc:
                report.notify_error = f"{type(exc).__name__}: {exc}"[:300]
                counts["failed"] += 1
                logger.warning("telling reporter of report #%s failed: %s", report_id, exc)
            else:
                report.notify_error = None
                reports_service.mark_notified(session=session, report=report)
                counts["sent"] += 1
            session.add(report)
            session.commit()
    return counts


def _take(session: Session, report_id: int, attempt: int) -> bool:
    """Count try `attempt` before sending (models/backoff.py): a run that read the same report
    finds it taken, so two overlapping runs never both send."""
    return backoff.take(
        session,
        col(Report.id) == report_id,
        still_open=col(Report.notified_at).is_(None),
        tries=col(Report.notify_attempts),
        tried_at=col(Report.notify_tried_at),
        attempt=attempt,
    )
