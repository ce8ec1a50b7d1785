"""Exponential pauses between tries of a background task kept on a row (a report's crawl, a
reporter's notification): after try n failed, the next waits `pause * 2**(n-1)`, growing
at most to `pause * 2**MAX_DOUBLINGS`.

`due` decides for one row in Python; `due_sql` is the same rule as a SQL condition, so rows
still waiting never fill a batch's window. `take` counts a try on its row before the work
starts.
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, update
from sqlmodel import Session

from models.types import utcnow

MAX_DOUBLINGS = 10  # 5 minutes grow to at most ~3.5 days


def wait_after(tries: int, pause: timedelta) -> timedelta:
    return pause * 2 ** min(tries - 1, MAX_DOUBLINGS)


def due(tries: int, tried_at: datetime | None, now: datetime, pause: timedelta) -> bool:
    if tries <= 0 or tried_at is None:
        return True
    return tried_at + wait_after(tries, pause) <= now


def due_sql(tries: Any, tried_at: Any, now: datetime, pause: timedelta) -> ColumnElement[bool]:
    waited = [
        and_(tries == n, tried_at <= now - wait_after(n, pause))
        for n in range(1, MAX_DOUBLINGS + 1)
    ]
    longest = and_(tries > MAX_DOUBLINGS, tried_at <= now - wait_after(MAX_DOUBLINGS + 1, pause))
    return or_(tries <= 0, tried_at.is_(None), longest, *waited)


def take(
    session: Session,
    row: ColumnElement[bool],
    *,
    still_open: ColumnElement[bool],
    tries: Any,
    tried_at: Any,
    attempt: int,
) -> bool:
    """Count try `attempt` on the row and commit it before the work starts; False when another
    worker took this try (or finished the task) meanwhile. A try that never ends (a hung
    server, a killed worker) still counts, so the row waits its pause and is given up after
    its attempt limit instead of being tried at every run."""
    taken = session.execute(
        update(tries.class_)
        .where(row, still_open, tries == attempt - 1)
        .values({tries: attempt, tried_at: utcnow()}),
        execution_options={"synchronize_session": False},
    )
    session.commit()
    return bool(getattr(taken, "rowcount", 0) == 1)
