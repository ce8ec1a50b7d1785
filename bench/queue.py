# ruff: noqa: E402
"""Triage queue latency over HTTP (issue 7 benchmark).

Fills a separate PostgreSQL database with posts and cases (COPY), serves the real app with
uvicorn in a subprocess, and has N concurrent clients fetch the first page of the queue
(one filter, default sort) for a bounded number of requests. Prints one JSON line:

    {"bench": "queue", "posts": 1000000, "cases": 50000, "clients": 20, "p50_ms": ..,
     "p95_ms": .., "p99_ms": .., "rps": .., "target_p95_ms": 50, "ok": true,
     "mixed_views": {...}, "uncached": {...}}

The top-level figures are the service as shipped (its queue page cache on); `mixed_views`
has each client walk 32 different views (8 topics x 4 sorts) and page 2 of each, so most
requests are not the one before; `uncached` turns the page cache off
(VIGIL_QUEUE_CACHE_SECONDS=0), so every request reads the database.

    nice .venv/bin/python bench/queue.py                 # generate (if needed) and measure
    nice .venv/bin/python bench/queue.py --posts 20000 --cases 2000 --requests 500
"""

import sys
from pathlib import Path

# This file is named like the standard library's `queue`; keep its folder off the import
# path so `import queue` (used by thread pools and psycopg) finds the real one, and put the
# repository on it instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if p and Path(p).resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from api.security import create_access_token
from api.settings import ApiSettings
from models.db import make_engine
from models.migrate import upgrade

TOPICS = ["giao_duc", "y_te", "thue_phi", "dat_dai", "giao_thong", "bhxh", "dien_nuoc", "an_ninh"]
OPEN = ["new", "triaged", "in_progress", "in_review", "reopened"]
CLOSED = ["published", "dismissed", "retracted"]
SECRET = "bench-secret-" + "x" * 40


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_database(url: str) -> None:
    parsed = make_url(url)
    admin = libpq(str(parsed.set(database="postgres")))
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,))
        if found.fetchone() is None:
            conn.execute(f'CREATE DATABASE "{parsed.database}"')


def counts(url: str) -> tuple[int, int]:
    with psycopg.connect(libpq(url)) as conn:
        try:
            posts = conn.execute("SELECT count(*) FROM post").fetchone()
            cases = conn.execute('SELECT count(*) FROM "case"').fetchone()
        except psycopg.errors.UndefinedTable:
            return 0, 0
        return (posts[0] if posts else 0), (cases[0] if cases else 0)


def generate(url: str, n_posts: int, n_cases: int, seed: int = 7) -> float:
    started = time.perf_counter()
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with psycopg.connect(libpq(url)) as conn:
        with conn.cursor() as cur:
            cur.execute(
                'INSERT INTO "user" (username, full_name, role, locale, password_hash, '
                "is_active, created_at) VALUES ('bench-monitor', 'Bench', 'monitor', 'vi', '!', "
                "true, now()) RETURNING id"
            )
            row = cur.fetchone()
            assert row is not None
            user_id = row[0]
            columns = (
                "url, canonical_url, source_name, text, origin, content_hash, engagement, "
                "created_at"
            )
            with cur.copy(f"COPY post ({columns}) FROM STDIN") as copy:
                for i in range(n_posts):
                    url_i = f"https://bao{i % 500}.example.vn/bai-viet/{i}"
                    created = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 60))
                    copy.write_row(
                        (
                            url_i,
                            url_i,
                            f"Nguồn {i % 500}",
                            f"Bài viết số {i} về chính sách {TOPICS[i % len(TOPICS)]}: "
                            "học phí, thuế, đất đai và các tin đồn liên quan.",
                            "crawl",
                            f"{i:064x}",
                            json.dumps({"likes": rng.randrange(0, 5000)}),
                            created,
                        )
                    )
            case_columns = (
                "title, state, priority, priority_reasons, priority_manual, topic, assignee_id, "
                "opened_by, risk_score, reach, refute_reach, first_detected_at, sla_due_at, "
                "version, created_at, updated_at"
            )
            with cur.copy(f'COPY "case" ({case_columns}) FROM STDIN') as copy:
                for i in range(n_cases):
                    detected = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 30))
                    state = rng.choice(OPEN) if rng.random() < 0.6 else rng.choice(CLOSED)
                    risk = rng.random()
                    reach = rng.randrange(1, 200_000)
                    priority = round(risk * 50 + rng.random() * 50, 2)
                    copy.write_row(
                        (
                            f"Tin đồn số {i} về {TOPICS[i % len(TOPICS)]}",
                            state,
                            priority,
                            json.dumps([f"Mức rủi ro {risk:.2f}: +{risk * 50:.1f}"]),
                            False,
                            TOPICS[i % len(TOPICS)],
                            user_id if rng.random() < 0.3 else None,
                            rng.choice(["auto", "auto", "auto", "report", "staff"]),
                            risk,
                            reach,
                            0,
                            detected,
                            detected + timedelta(hours=24),
                            1,
                            detected,
                            detected,
                        )
                    )
            # Each case holds a few posts, as routing would have left it.
            with cur.copy(
                "COPY casepost (case_id, post_id, stance, reach, added_at) FROM STDIN"
            ) as copy:
                post_id = 1
                for case_id in range(1, n_cases + 1):
                    for _ in range(rng.randrange(1, 6)):
                        if post_id > n_posts:
                            break
                        copy.write_row((case_id, post_id, "spreads", 10, now))
                        post_id += 1
        conn.commit()
        conn.execute("ANALYZE")
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(
    url: str, port: int, workers: int, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **(extra_env or {}),
        "VIGIL_DATABASE_URL": url,
        "VIGIL_SECRET_KEY": SECRET,
        "VIGIL_ENV": "development",
        "VIGIL_LOG_LEVEL": "warning",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
    )


def wait_ready(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx2.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("the server did not become ready")


def measure(
    base: str, token: str, clients: int, requests: int, paths: list[str]
) -> tuple[list[float], float]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    per_client = max(1, requests // clients)
    barrier = threading.Barrier(clients)

    def client() -> None:
        with httpx2.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as http:
            for path in paths[:5]:  # warm-up: connections, caches
                http.get(path)
            barrier.wait()
            mine = []
            # Each client starts its walk through the views at its own place.
            offset = random.randrange(len(paths))
            for i in range(per_client):
                path = paths[(offset + i) % len(paths)]
                started = time.perf_counter()
                response = http.get(path)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    with lock:
                        errors.append(f"{response.status_code} {response.text[:200]}")
                mine.append(elapsed)
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, e.g. {errors[0]}")
    return latencies, wall


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/vigil_bench"
    )
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--path", default="/cases?topic=giao_duc")
    args = parser.parse_args()

    ensure_database(args.database_url)
    generated_s = None
    if args.regenerate or counts(args.database_url) != (args.posts, args.cases):
        generated_s = round(generate(args.database_url, args.posts, args.cases), 1)
    with psycopg.connect(libpq(args.database_url)) as conn:
        row = conn.execute("SELECT id FROM \"user\" WHERE username = 'bench-monitor'").fetchone()
        assert row is not None
        user_id = row[0]
    token = create_access_token(
        settings=ApiSettings(secret_key=SECRET), user_id=user_id, role="monitor"
    )
    load_before = os.getloadavg()[0]
    shipped = run(args, token, [args.path])
    mixed = run(args, token, None)
    uncached = run(args, token, [args.path], {"VIGIL_QUEUE_CACHE_SECONDS": "0"})
    print(
        json.dumps(
            {
                "bench": "queue",
                "path": args.path,
                "posts": args.posts,
                "cases": args.cases,
                "clients": args.clients,
                "workers": args.workers,
                **shipped,
                "mixed_views": mixed,
                "uncached": uncached,
                "generate_s": generated_s,
                # The machine is shared: a load far above its cores makes every figure worse.
                "cpus": os.cpu_count(),
                "load_1m_before": round(load_before, 2),
                "load_1m_after": round(os.getloadavg()[0], 2),
                "target_p95_ms": 50,
                "ok": shipped["p95_ms"] <= 50,
            }
        )
    )


def mixed_views(base: str, token: str) -> list[str]:
    """Page 1 and page 2 of every topic under every sort order."""
    paths = []
    with httpx2.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as http:
        for topic in TOPICS:
            for sort in ("priority", "sla", "recent", "reach"):
                first = f"/cases?topic={topic}&sort={sort}"
                cursor = http.get(first).json()["next_cursor"]
                paths += [first, f"{first}&cursor={cursor}"]
    return paths


def run(
    args: argparse.Namespace,
    token: str,
    paths: list[str] | None,
    extra_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Serve the app and measure; `paths` None means the mixed views."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(args.database_url, port, args.workers, extra_env)
    try:
        wait_ready(base)
        paths = paths or mixed_views(base, token)
        latencies, wall = measure(base, token, args.clients, args.requests, paths)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "views": len(paths),
        "requests": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "rps": round(len(latencies) / wall, 1),
    }


if __name__ == "__main__":
    main()
