"""CPUs a crawl may use: affinity capped by a cgroup quota, read from fake /proc and cgroups."""

from pathlib import Path

import pytest

import crawlers.cpus
from crawlers.cpus import cgroup_cpus, usable_cpus


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="ascii")


@pytest.fixture
def roots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setattr(crawlers.cpus, "affinity_cpus", lambda: 16)
    return tmp_path / "proc", tmp_path / "cgroup"


def test_cgroup_v2_quota_caps_the_affinity(roots: tuple[Path, Path]) -> None:
    proc, cgroup = roots
    write(proc / "self" / "cgroup", "0::/kubepods/pod1/crawler\n")
    write(cgroup / "kubepods" / "pod1" / "crawler" / "cpu.max", "200000 100000\n")
    assert cgroup_cpus(proc, cgroup) == 2.0
    assert usable_cpus(proc, cgroup) == 2


def test_a_parents_tighter_v2_limit_binds_its_children(roots: tuple[Path, Path]) -> None:
    proc, cgroup = roots
    write(proc / "self" / "cgroup", "0::/kubepods/pod1/crawler\n")
    write(cgroup / "kubepods" / "pod1" / "crawler" / "cpu.max", "max 100000\n")
    write(cgroup / "kubepods" / "pod1" / "cpu.max", "150000 100000\n")
    assert cgroup_cpus(proc, cgroup) == 1.5
    assert usable_cpus(proc, cgroup) == 1  # one and a half CPUs keep one worker busy


def test_cgroup_v1_quota(roots: tuple[Path, Path]) -> None:
    proc, cgroup = roots
    write(proc / "self" / "cgroup", "4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n")
    write(cgroup / "cpu,cpuacct" / "docker" / "abc" / "cpu.cfs_quota_us", "300000\n")
    write(cgroup / "cpu,cpuacct" / "docker" / "abc" / "cpu.cfs_period_us", "100000\n")
    assert usable_cpus(proc, cgroup) == 3


def test_a_parents_tighter_v1_limit_binds_its_children(roots: tuple[Path, Path]) -> None:
    proc, cgroup = roots
    write(proc / "self" / "cgroup", "2:cpu,cpuacct:/docker/abc\n")
    write(cgroup / "cpu,cpuacct" / "docker" / "abc" / "cpu.cfs_quota_us", "-1\n")
    write(cgroup / "cpu,cpuacct" / "docker" / "abc" / "cpu.cfs_period_us", "100000\n")
    write(cgroup / "cpu,cpuacct" / "docker" / "cpu.cfs_quota_us", "100000\n")
    write(cgroup / "cpu,cpuacct" / "docker" / "cpu.cfs_period_us", "100000\n")
    assert usable_cpus(proc, cgroup) == 1


def test_cgroup_v1_inside_a_container_reads_the_controller_root(roots: tuple[Path, Path]) -> None:
    # Inside a container the path names the host's cgroup, but the container sees its own
    # cgroup mounted at the controller's root.
    proc, cgroup = roots
    write(proc / "self" / "cgroup", "2:cpu,cpuacct:/docker/abc\n")
    write(cgroup / "cpu" / "cpu.cfs_quota_us", "100000\n")
    write(cgroup / "cpu" / "cpu.cfs_period_us", "100000\n")
    assert usable_cpus(proc, cgroup) == 1


@pytest.mark.parametrize(
    ("table", "files"),
    [
        (None, {}),  # no /proc (not Linux)
        ("0::/\n", {}),  # cgroup v2 without a cpu.max at all
        ("0::/\n", {"cpu.max": "max 100000"}),  # unlimited
        ("0::/\n", {"cpu.max": "lots please"}),  # garbled
        ("0::/\n", {"cpu.max": "0 100000"}),  # nonsense quota
        ("0::/\n", {"cpu.max": "\xff\xfe"}),  # not text
        ("1:cpu:/\n", {"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"}),
        ("garbage without colons\n", {}),
        # A path that tries to leave the cgroup tree: the limit it points at is not read.
        ("0::/../outside\n", {"../outside/cpu.max": "100000 100000"}),
    ],
)
def test_no_readable_quota_leaves_the_affinity(
    roots: tuple[Path, Path], table: str | None, files: dict[str, str]
) -> None:
    proc, cgroup = roots
    if table is not None:
        write(proc / "self" / "cgroup", table)
    for name, text in files.items():
        path = cgroup / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("latin-1"))
    assert cgroup_cpus(proc, cgroup) is None
    assert usable_cpus(proc, cgroup) == 16


def test_this_machine_answers_at_least_one() -> None:
    assert usable_cpus() >= 1
