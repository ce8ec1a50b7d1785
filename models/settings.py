import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("["):
            return json.loads(value)
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


# A list setting read from the environment as JSON (`["a", "b"]`) or comma-separated (`a,b`).
EnvList = Annotated[list[str], NoDecode, BeforeValidator(_split_list)]


class CoreSettings(BaseSettings):
    """Where data lives and which database to use; shared by every package."""

    model_config = SettingsConfigDict(env_prefix="VIGIL_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("data")
    database_url: str = ""
    time_zone: str = "Asia/Ho_Chi_Minh"
    sql_echo: bool = False

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'vigil.db').resolve()}"
