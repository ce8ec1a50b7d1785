"""A test job that ticks every second and appends what it ran to a file (for scheduler tests).

The file is the job's side effect, independent of JobRun: a run executed twice would
show up as two lines with the same fire time.
"""

import os
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session

from api.ops.registry import JobContext, JobResult, job
from models.schedules import JobRun


@job("test-tick", every=timedelta(seconds=1), time_limit=timedelta(seconds=10))
def tick(ctx: JobContext) -> JobResult:
    """Append "<fire time> <pid>" to $VIGIL_OPS_TEST_TICKS."""
    with Session(ctx.engine) as session:
        run = session.get(JobRun, ctx.run_id)
        assert run is not None
        fired = run.scheduled_for.isoformat() if run.scheduled_for else "manual"
    with Path(os.environ["VIGIL_OPS_TEST_TICKS"]).open("a") as ticks:
        ticks.write(f"{fired} {os.getpid()}\n")
    return {"fired": fired}
