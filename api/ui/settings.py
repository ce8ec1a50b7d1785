from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class UiSettings(BaseSettings):
    """Settings of the staff web UI (env prefix VIGIL_UI_)."""

    model_config = SettingsConfigDict(env_prefix="VIGIL_UI_", env_file=".env", extra="ignore")

    # None: secure cookies exactly when VIGIL_ENV=production (plain http in development).
    cookie_secure: bool | None = None
    session_cookie: str = "vigil_session"
    lang_cookie: str = "vigil_lang"
    # Idle lifetime of a login; the cookie is re-signed on every response.
    session_minutes: int = Field(default=8 * 60, ge=1)
    # How often the queue page refreshes its rows without a reload.
    queue_refresh_seconds: int = Field(default=20, ge=2, le=3600)
    page_size: int = Field(default=50, ge=5, le=200)
