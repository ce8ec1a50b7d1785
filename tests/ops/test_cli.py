"""`vigil schedules ...` and `vigil jobs ...`: the same rules as the API, readable output."""

import json

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session
from typer.testing import CliRunner

from api.cli import app
from models.crawl import Source
from models.enums import SourceKind
from models.schedules import CrawlSchedule, JobRun

runner = CliRunner()


@pytest.fixture
def source_id(ops_database: str, ops_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("VIGIL_DATABASE_URL", ops_database)
    with Session(ops_engine) as session:
        source = Source(
            name="Báo Chính phủ", kind=SourceKind.feed, url="https://baochinhphu.vn/rss"
        )
        session.add(source)
        session.commit()
        assert source.id is not None
        return source.id


def _schedules(engine: Engine) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(CrawlSchedule)).scalar_one()


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--cron", "61 * * * *"], 1, "61"),
        (["--cron", "* * *"], 1, "5"),
        (["--every", "0"], 2, "interval_seconds"),
        (["--every", "1"], 2, "interval_seconds"),
        (["--every", "60", "--tz", "Hà Nội"], 1, "Hà Nội"),
        (["--every", "60", "--jitter", "-3"], 2, "jitter_seconds"),
        ([], 2, "--cron"),
        (["--every", "60", "--cron", "0 3 * * *"], 2, "--cron"),
    ],
)
def test_create_refuses_bad_input(
    source_id: int, ops_engine: Engine, args: list[str], code: int, needle: str
) -> None:
    result = runner.invoke(app, ["schedules", "create", str(source_id), *args])
    assert result.exit_code == code, result.output
    assert needle in result.output
    assert _schedules(ops_engine) == 0


def test_schedule_lifecycle(source_id: int, ops_engine: Engine) -> None:
    created = runner.invoke(
        app, ["schedules", "create", str(source_id), "--cron", "*/30 6-22 * * *", "--jitter", "20"]
    )
    assert created.exit_code == 0, created.output
    assert f"crawl:{source_id}" in created.output
    twice = runner.invoke(app, ["schedules", "create", str(source_id), "--every", "60"])
    assert twice.exit_code == 1 and "đã có lịch" in twice.output

    listed = json.loads(runner.invoke(app, ["schedules", "list", "--json"]).output)
    assert [(s["source_id"], s["cron"], s["jitter_seconds"]) for s in listed] == [
        (source_id, "*/30 6-22 * * *", 20)
    ]
    assert len(listed[0]["next_run_times"]) == 3
    table = runner.invoke(app, ["schedules", "list"]).output
    assert f"#{source_id}" in table and "Báo" in table

    assert runner.invoke(app, ["schedules", "pause", str(source_id)]).exit_code == 0
    listed = json.loads(runner.invoke(app, ["schedules", "list", "--json"]).output)
    assert listed[0]["paused"] is True and listed[0]["next_run_times"] == []
    assert runner.invoke(app, ["schedules", "resume", str(source_id)]).exit_code == 0

    queued = runner.invoke(app, ["schedules", "run-now", str(source_id)])
    assert queued.exit_code == 0 and f"crawl:{source_id}" in queued.output
    runs = [json.loads(line) for line in runner.invoke(app, ["jobs", "runs"]).output.splitlines()]
    assert [(r["job_id"], r["status"]) for r in runs] == [(f"crawl:{source_id}", "queued")]

    assert runner.invoke(app, ["schedules", "delete", str(source_id)]).exit_code == 0
    for command in ("pause", "resume", "run-now", "delete"):
        missing = runner.invoke(app, ["schedules", command, str(source_id)])
        assert missing.exit_code == 1 and "chưa có lịch" in missing.output
    assert _schedules(ops_engine) == 0


def test_jobs_list_and_run(source_id: int, ops_engine: Engine) -> None:
    listed = runner.invoke(app, ["jobs", "list"])
    assert listed.exit_code == 0 and "retention-cleanup" in listed.output
    assert runner.invoke(app, ["jobs", "run", "retention-cleanup"]).exit_code == 0
    unknown = runner.invoke(app, ["jobs", "run", "khong-co"])
    assert unknown.exit_code == 1 and "khong-co" in unknown.output
    with Session(ops_engine) as session:
        assert session.execute(select(func.count()).select_from(JobRun)).scalar_one() == 1
