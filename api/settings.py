from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "vigil-development-secret-change-me"


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIGIL_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    secret_key: str = DEFAULT_SECRET
    access_token_minutes: int = Field(default=8 * 60, ge=1)
    # Bodies above this are refused with 413 before they are read whole.
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    public_base_url: str = "http://127.0.0.1:8000"
    # A bearer token's user (role, active) is remembered this long per process; a change to a
    # user made in this process takes effect at once, one made elsewhere within this time.
    auth_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    # A page of the triage queue is served again for this long to everyone asking the same
    # question; a change to a case made in this process empties it at once, one made by another
    # process (a second worker, a job) shows within this time. 0 turns it off.
    queue_cache_seconds: float = Field(default=1.0, ge=0, le=60)
    # Password guessing (api/login_guard.py): after this many failed logins for one account
    # from one client, or the client limit for one client over all accounts, within the window,
    # that client waits until the oldest failure leaves the window. 0 turns it off.
    login_max_failures: int = Field(default=10, ge=0, le=10_000)
    login_max_client_failures: int = Field(default=50, ge=1, le=100_000)
    login_failure_window_minutes: float = Field(default=15.0, gt=0, le=24 * 60)


class InsecureSettings(RuntimeError):
    pass


def check_production(settings: ApiSettings) -> None:
    """Refuse to run in production with a secret anyone can read in the source."""
    if settings.env == "production" and (
        settings.secret_key == DEFAULT_SECRET or len(settings.secret_key) < 32
    ):
        raise InsecureSettings(
            "VIGIL_SECRET_KEY must be set to a random value of at least 32 characters "
            "in production (VIGIL_ENV=production)."
        )
