from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DeskSettings(BaseSettings):
    """Rebuttal desk settings (env prefix VIGIL_DESK_)."""

    model_config = SettingsConfigDict(env_prefix="VIGIL_DESK_", env_file=".env", extra="ignore")

    # A detection opens a case at this risk unless its topic has its own policy.
    default_threshold: float = Field(default=0.6, ge=0.0, le=1.0)
    # Content that breaks the law must come down within 24 hours of a request.
    default_sla_hours: int = Field(default=24, ge=1, le=24 * 90)
    default_topic_weight: float = Field(default=1.0, ge=0.0, le=10.0)
    # Recency halves the priority contribution every this many hours.
    recency_half_life_hours: float = Field(default=24.0, gt=0)
    max_page_size: int = Field(default=200, ge=1)
    bulk_max_items: int = Field(default=500, ge=1)
    # Webhooks: attempt n waits backoff_base * 2**(n-1) seconds (capped), dead after max_attempts.
    webhook_backoff_base_seconds: float = Field(default=30.0, ge=0)
    webhook_backoff_max_seconds: float = Field(default=6 * 3600.0, ge=0)
    webhook_max_attempts: int = Field(default=8, ge=1)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_batch_size: int = Field(default=100, ge=1)
    # Receivers on private networks are refused unless an administrator allows them.
    webhook_allow_private: bool = False
    # Public reports: a client gets `report_burst` reports, refilled at `report_per_hour`.
    report_burst: int = Field(default=5, ge=1)
    report_per_hour: float = Field(default=20.0, gt=0)
    # A reported page is fetched this many times at most (transient failures), 20 per run.
    report_crawl_max_attempts: int = Field(default=3, ge=1, le=20)
    report_crawl_batch: int = Field(default=20, ge=1, le=1000)
    # Telling reporters the outcome: "smtp" sends e-mail through smtp_host; "outbox" writes
    # each message as an .eml file into outbox_dir (the embedded default, nothing leaves
    # the machine); "off" keeps the outcomes for the reporter to look up by token only.
    notify_backend: Literal["smtp", "outbox", "off"] = "outbox"
    outbox_dir: Path | None = None  # default: <data_dir>/outbox
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_from: str = "Vigil <no-reply@vigil.local>"
    notify_max_attempts: int = Field(default=5, ge=1, le=50)
    # After a failed try the next waits this long, doubling with each try (5, 10, 20...).
    notify_retry_minutes: float = Field(default=5.0, ge=0, le=1440)
    notify_batch: int = Field(default=100, ge=1, le=10_000)
    public_base_url: str = "http://127.0.0.1:8000"
    organisation_name: str = "Vigil"
