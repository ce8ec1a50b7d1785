"""How many CPUs this process may really use: its CPU affinity, capped by a cgroup CPU quota.

A container limited to one CPU on a 32-core host sees 32 CPUs through ``os.cpu_count()`` and
through its affinity mask; only the cgroup's quota (``cpu.max`` in cgroup v2,
``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` in v1) says that the kernel will let it run on one.
Extraction processes started beyond the quota only queue behind each other and cost their
memory. Files that are missing or unreadable mean no quota, never an error.
"""

import math
import os
from collections.abc import Callable
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


def _upward(root: Path, path: str) -> list[Path]:
    """The cgroup's folder under ``root`` and each of its parents up to ``root``: a parent's
    limit binds its children. Never outside ``root``, whatever /proc/self/cgroup says."""
    parts = [p for p in path.split("/") if p and p not in (".", "..")]
    return [root.joinpath(*parts[:depth]) for depth in range(len(parts), -1, -1)]


def _v2_limit(folder: Path) -> float | None:
    fields = (_read(folder / "cpu.max") or "").split()
    return _ratio(*fields) if len(fields) == 2 else None


def _v1_limit(folder: Path) -> float | None:
    quota = _read(folder / "cpu.cfs_quota_us")
    period = _read(folder / "cpu.cfs_period_us")
    return _ratio(quota, period) if quota is not None and period is not None else None


def _tightest(folders: list[Path], limit: Callable[[Path], float | None]) -> float | None:
    limits = [allowed for folder in folders if (allowed := limit(folder)) is not None]
    return min(limits) if limits else None


def _v2_quota(path: str, cgroup: Path) -> float | None:
    return _tightest(_upward(cgroup, path), _v2_limit)


def _v1_quota(controllers: str, path: str, cgroup: Path) -> float | None:
    # Wherever the controller is mounted; inside a container, the mount's root is the
    # container's own cgroup.
    mounts = dict.fromkeys((controllers, "cpu", "cpu,cpuacct"))
    return _tightest([f for m in mounts for f in _upward(cgroup / m, path)], _v1_limit)


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
