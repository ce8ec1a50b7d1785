"""Role table of the rebuttal desk routes (merged into route_roles.ROUTE_ROLES)."""

from models.enums import Role

PUBLIC = "public"
STAFF = frozenset({Role.monitor, Role.editor, Role.approver, Role.ops, Role.admin})
ADMIN = frozenset({Role.admin})
PARTNER = frozenset({Role.partner})
MONITOR = frozenset({Role.monitor, Role.admin})
EDITOR = frozenset({Role.editor, Role.admin})
APPROVER = frozenset({Role.approver, Role.admin})
DESK = frozenset({Role.monitor, Role.editor, Role.approver, Role.admin})
WRITERS = frozenset({Role.editor, Role.approver, Role.admin})

DESK_ROUTE_ROLES: dict[tuple[str, str], frozenset[Role] | str] = {
    ("GET", "/cases"): STAFF,
    ("POST", "/cases"): MONITOR,
    ("GET", "/cases/workload"): STAFF,
    ("POST", "/cases/bulk"): MONITOR,
    ("GET", "/cases/{case_id}"): STAFF,
    ("PATCH", "/cases/{case_id}"): MONITOR,
    ("POST", "/cases/{case_id}/transitions"): DESK,
    ("POST", "/cases/{case_id}/assign"): MONITOR,
    ("POST", "/cases/{case_id}/self-assign"): DESK,
    ("POST", "/cases/{case_id}/merge"): MONITOR,
    ("POST", "/cases/{case_id}/split"): MONITOR,
    ("GET", "/cases/{case_id}/events"): STAFF,
    ("POST", "/cases/{case_id}/labels"): DESK,
    ("GET", "/topic-policies"): STAFF,
    ("PUT", "/topic-policies/{topic}"): ADMIN,
}
