from pathlib import Path

import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from api.cli import app
from models.db import engine_for
from models.posts import Post
from models.users import User

runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("VIGIL_DATABASE_URL", url)
    return url


def test_upgrade_then_create_user(cli_db: str) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(
        app, ["users", "create", "lan", "--role", "monitor", "--password", "mat-khau-dai"]
    )
    assert result.exit_code == 0, result.output
    again = runner.invoke(
        app, ["users", "create", "lan", "--role", "monitor", "--password", "mat-khau-dai"]
    )
    assert again.exit_code == 1 and "đã được dùng" in again.output
    with Session(engine_for(cli_db)) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 1


@pytest.mark.parametrize(
    "args",
    [
        ["users", "create", "x", "--role", "monitor", "--password", "mat-khau-dai"],
        ["users", "create", "ok-name", "--role", "monitor", "--password", "short"],
        ["users", "create", "ok-name", "--role", "chief", "--password", "mat-khau-dai"],
        ["users", "create", "ok-name", "--role", "partner", "--password", "mat-khau-dai"],
    ],
    ids=["short-username", "short-password", "unknown-role", "partner-without-partner"],
)
def test_bad_user_input_is_refused(cli_db: str, args: list[str]) -> None:
    runner.invoke(app, ["db", "upgrade"])
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    with Session(engine_for(cli_db)) as session:
        assert session.exec(select(func.count()).select_from(User)).one() == 0


def test_demo_loads_once(cli_db: str) -> None:
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0, first.output
    assert "vigil-demo-2026" in first.output
    with Session(engine_for(cli_db)) as session:
        posts = session.exec(select(func.count()).select_from(Post)).one()
        assert posts >= 10
    second = runner.invoke(app, ["demo", "--reset"])
    assert second.exit_code == 0, second.output
    with Session(engine_for(cli_db)) as session:
        assert session.exec(select(func.count()).select_from(Post)).one() == posts


def test_demo_data_uses_the_topic_taxonomy() -> None:
    # A partner subscribed to a code the detector never gives would receive no brief.
    from api import demo_data
    from detector.topics import TOPICS

    used = {t for _, _, topics in demo_data.PARTNERS for t in topics}
    used |= {claim[3] for claim in demo_data.CLAIMS}
    used |= {case[3] for case in demo_data.CASES}
    assert used <= set(TOPICS), used - set(TOPICS)
