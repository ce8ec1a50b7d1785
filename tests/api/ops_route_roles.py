"""Roles of the ops routes (schedules, job runs, health): ops and admin only."""

from models.enums import Role

OPS = frozenset({Role.ops, Role.admin})

OPS_ROUTE_ROLES: dict[tuple[str, str], frozenset[Role] | str] = {
    ("GET", "/ops/schedules"): OPS,
    ("POST", "/ops/schedules"): OPS,
    ("GET", "/ops/schedules/{source_id}"): OPS,
    ("PATCH", "/ops/schedules/{source_id}"): OPS,
    ("DELETE", "/ops/schedules/{source_id}"): OPS,
    ("POST", "/ops/schedules/{source_id}/pause"): OPS,
    ("POST", "/ops/schedules/{source_id}/resume"): OPS,
    ("POST", "/ops/schedules/{source_id}/run-now"): OPS,
    ("GET", "/ops/sources/{source_id}/runs"): OPS,
    ("GET", "/ops/jobs"): OPS,
    ("POST", "/ops/jobs/{job_name}/run-now"): OPS,
    ("GET", "/ops/job-runs"): OPS,
    ("GET", "/ops/job-runs/{run_id}"): OPS,
    ("GET", "/ops/health"): OPS,
}
