"""Changes made by other processes, heard from PostgreSQL as they are committed.

Each process keeps caches of rows (api/caches.py) and empties them when it changes those rows
itself; a change made by another process (a second API worker, a job worker, the CLI, a
database console) would otherwise show only once an entry expires. On PostgreSQL, triggers on
the watched tables send `NOTIFY vigil_changes, '<table>'` when a statement changes them
(migration 0009; delivered at commit), and this listener empties the caches that watch the
table. While it is not connected, the caches fall back to their expiry times, and once it
(re)connects it empties them all: a change may have been missed meanwhile.
"""

import logging
import threading

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from api import caches

logger = logging.getLogger(__name__)

CHANNEL = "vigil_changes"


class ChangeFeed:
    def __init__(self, engine: Engine, *, poll_seconds: float = 1.0) -> None:
        self._engine = engine
        url = engine.url.set(drivername="postgresql")
        self._conninfo = url.render_as_string(hide_password=False)
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listening = threading.Event()

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="change-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is None:
            return
        if self.listening:
            # Wake the listener now rather than at its next poll.
            try:
                with self._engine.connect() as connection:
                    connection.execute(text(f"NOTIFY {CHANNEL}"))
                    connection.commit()
            except SQLAlchemyError:
                pass  # the database is gone: the listener ends at its next poll
        self._thread.join(timeout=5)

    def _run(self) -> None:
        # Imported here: the listener runs only on PostgreSQL, and psycopg is an optional
        # dependency (the `scale` extra), absent from a SQLite install (`make run`).
        import psycopg

        pause = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    caches.forget_everything()
                    pause = 0.5
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=self._poll):
                            if self._stop.is_set():
                                break
                            if notice.payload:
                                caches.forget_table(notice.payload)
            except (psycopg.Error, OSError) as exc:
                if self._listening.is_set() or pause == 0.5:
                    logger.warning("change feed lost its connection, retrying: %s", exc)
            finally:
                self._listening.clear()
            self._stop.wait(pause)
            pause = min(pause * 2, 30.0)
