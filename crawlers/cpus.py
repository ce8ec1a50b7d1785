"""How many CPUs this process may really use: its CPU affinity, capped by a cgroup CPU quota.

A container limited to one CPU on a 32-core host sees 32 CPUs through ``os.cpu_count()`` and
through its affinity mask; only the cgroup's quota (``cpu.max`` in cgroup v2,
``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` in v1) says that the kernel will let it run on one.
Extraction processes started beyond the quota only queue behind each other and cost their
memory. Files that are missing or unreadable mean no quota, never an error.
"""

import math
import os
from pathlib import Path

PROC = Path("/proc")
CGROUP = Path("/sys/fs/cgroup")


def affinity_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _ratio(quota: str, period: str) -> float | None:
    """CPUs allowed by a quota and period in microseconds; None when unlimited or garbled."""
    try:
        q, p = int(quota), int(period)
    except ValueError:
        return None
    return q / p if q > 0 and p > 0 else None


def _parts(path: str) -> list[str]:
    # Never outside the cgroup tree, whatever /proc/self/cgroup says.
    return [p for p in path.split("/") if p and p not in (".", "..")]


def _v2_quota(path: str, cgroup: Path) -> float | None:
    # The tightest cpu.max from the process's own cgroup up to the root: a parent's limit
    # binds its children.
    limits: list[float] = []
    parts = _parts(path)
    for depth in range(len(parts), -1, -1):
        line = _read(cgroup.joinpath(*parts[:depth], "cpu.max"))
        fields = line.split() if line else []
        if len(fields) == 2 and (allowed := _ratio(*fields)) is not None:
            limits.append(allowed)
    return min(limits) if limits else None


def _v1_quota(controllers: str, path: str, cgroup: Path) -> float | None:
    # The tightest quota from the process's cgroup up to the controller's root (inside a
    # container, the root is the container's own cgroup), wherever the controller is mounted.
    limits: list[float] = []
    parts = _parts(path)
    for mount in dict.fromkeys((controllers, "cpu", "cpu,cpuacct")):
        for depth in range(len(parts), -1, -1):
            folder = cgroup.joinpath(mount, *parts[:depth])
            quota = _read(folder / "cpu.cfs_quota_us")
            period = _read(folder / "cpu.cfs_period_us")
            if quota is not None and period is not None and (allowed := _ratio(quota, period)):
                limits.append(allowed)
    return min(limits) if limits else None


def cgroup_cpus(proc: Path = PROC, cgroup: Path = CGROUP) -> float | None:
    """The CPUs the cgroup quota allows this process (1.5 for 150 ms per 100 ms), or None."""
    table = _read(proc / "self" / "cgroup")
    if not table:
        return None
    for line in table.splitlines():
        fields = line.split(":", 2)
        if len(fields) != 3:
            continue
        _, controllers, path = fields
        if controllers == "":
            allowed = _v2_quota(path, cgroup)
        elif "cpu" in controllers.split(","):
            allowed = _v1_quota(controllers, path, cgroup)
        else:
            continue
        if allowed is not None:
            return allowed
    return None


def usable_cpus(proc: Path = PROC, cgroup: Path = CGROUP) -> int:
    """Whole CPUs this process can keep busy: the affinity mask, capped by the quota
    (rounded down, at least 1: a quota of 1.5 CPUs does not carry two busy workers)."""
    cpus = affinity_cpus()
    allowed = cgroup_cpus(proc, cgroup)
    if allowed is not None:
        cpus = min(cpus, max(1, math.floor(allowed)))
    return cpus
