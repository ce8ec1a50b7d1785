"""Test jobs that fail: one raises every second, one hangs past its one-second limit."""

import time
from datetime import timedelta

from api.ops.registry import JobContext, JobResult, job


@job("test-boom", every=timedelta(seconds=1), time_limit=timedelta(seconds=5))
def boom(ctx: JobContext) -> JobResult:
    """Always raises."""
    raise RuntimeError(f"boom in run {ctx.run_id}")


@job("test-hang", every=timedelta(seconds=1), time_limit=timedelta(seconds=1))
def hang(ctx: JobContext) -> JobResult:
    """Blocks far beyond its limit, ignoring its deadline, like a stuck network call."""
    time.sleep(3600)
    return None
