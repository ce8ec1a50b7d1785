"""Scheduler takeover benchmark: how long after kill -9 of the leader a standby leads.

    .venv/bin/python bench/ops_takeover.py [--rounds 3] [--takeover-seconds 3]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Creates a fresh PostgreSQL database (or uses a SQLite file with --sqlite), starts two
`vigil scheduler` processes with a one-second test job, kills the leader with SIGKILL,
and measures, per round:

- lock_s: kill → the standby's "is the leader" log line (taking the advisory lock,
  reconciling the job store, resuming);
- first_run_s: kill → the first job run the new leader recorded;
- duplicate_fire_times: fire times run more than once (must be 0).

Then starts a fresh standby for the next round. Prints one JSON line per round and a
summary line.
"""

import sys
from pathlib import Path

# Run as a script, bench/ is first on sys.path, where a module may shadow the standard
# library (bench/queue.py hides `queue`, which psycopg needs): look there last.
BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR] + [str(BENCH_DIR)]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import Counter  # noqa: E402
from datetime import datetime  # noqa: E402

from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session, col  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from models.db import make_engine  # noqa: E402
from models.migrate import upgrade  # noqa: E402
from models.schedules import JobRun  # noqa: E402

LEADER_LINE = "is the leader"


def _log_time(line: str) -> float:
    stamp = " ".join(line.split()[:2])  # "2026-11-26 07:12:57,174"
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()


def _leader_at(log: Path) -> float | None:
    for line in log.read_text(errors="replace").splitlines():
        if LEADER_LINE in line:
            return _log_time(line)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--takeover-seconds", type=float, default=3.0)
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--sqlite", action="store_true", help="one machine: file lock")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="vigil-takeover-"))
    admin = None
    name = f"vigil_bench_{uuid.uuid4().hex[:8]}"
    if args.sqlite:
        url = f"sqlite:///{work / 'bench.db'}"
    else:
        admin = make_engine(args.database_url)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(args.database_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")},
        "PYTHONPATH": str(REPO),
        "VIGIL_DATABASE_URL": url,
        "VIGIL_EXTRA_JOB_MODULES": "tests.ops.jobs_tick",
        "VIGIL_OPS_TEST_TICKS": str(work / "ticks.txt"),
        "VIGIL_TAKEOVER_SECONDS": str(args.takeover_seconds),
        "VIGIL_RECONCILE_SECONDS": "1",
        "VIGIL_LOG_LEVEL": "info",
    }
    started: list[subprocess.Popen[bytes]] = []
    counter = iter(range(1000))

    def start() -> tuple[subprocess.Popen[bytes], Path]:
        log = work / f"scheduler-{next(counter)}.log"
        with log.open("wb") as handle:
            proc = subprocess.Popen(
                [sys.executable, "-m", "api.cli", "scheduler"],
                cwd=REPO,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        started.append(proc)
        return proc, log

    def owner_pid(run: JobRun) -> int:
        return int((run.owner or "x:0").rsplit(":", 1)[1])

    def runs() -> list[JobRun]:
        with Session(engine) as session:
            return list(session.execute(select(JobRun).order_by(col(JobRun.id))).scalars())

    rounds = []
    try:
        procs = [start(), start()]
        for round_no in range(1, args.rounds + 1):
            while True:
                leaders = [(p, log) for p, log in procs if _leader_at(log) is not None]
                if leaders and any(owner_pid(r) == leaders[0][0].pid for r in runs()):
                    break
                time.sleep(0.1)
            ((leader, _),) = leaders
            ((standby, standby_log),) = [(p, log) for p, log in procs if p is not leader]
            while "started as standby" not in standby_log.read_text(errors="replace"):
                time.sleep(0.1)  # the fresh standby is still importing
            time.sleep(1.5)  # let the leader be mid-interval, as in real life
            os.kill(leader.pid, signal.SIGKILL)
            killed = time.time()
            leader.wait()
            while _leader_at(standby_log) is None or not any(
                owner_pid(r) == standby.pid for r in runs()
            ):
                time.sleep(0.05)
            first_run = min(
                r.started_at.timestamp()
                for r in runs()
                if owner_pid(r) == standby.pid and r.started_at
            )
            fires = Counter(
                line.split()[0] for line in (work / "ticks.txt").read_text().splitlines()
            )
            result = {
                "bench": "ops_takeover",
                "round": round_no,
                "database": "sqlite" if args.sqlite else "postgresql",
                "takeover_seconds_setting": args.takeover_seconds,
                "lock_s": round((_leader_at(standby_log) or 0) - killed, 3),
                "first_run_s": round(first_run - killed, 3),
                "duplicate_fire_times": sum(1 for n in fires.values() if n > 1),
            }
            rounds.append(result)
            print(json.dumps(result), flush=True)
            procs = [(standby, standby_log), start()]
        print(
            json.dumps(
                {
                    "bench": "ops_takeover",
                    "summary": True,
                    "rounds": len(rounds),
                    "max_lock_s": max(r["lock_s"] for r in rounds),
                    "max_first_run_s": max(r["first_run_s"] for r in rounds),
                    "duplicate_fire_times": sum(r["duplicate_fire_times"] for r in rounds),
                    "target_s": args.takeover_seconds,
                }
            ),
            flush=True,
        )
    finally:
        for proc in started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(20)
        engine.dispose()
        if admin is not None:
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
