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
    ("POST", "/cases/{case_id}/rebuttal"): EDITOR,
    ("GET", "/rebuttals/{rebuttal_id}"): STAFF,
    ("PATCH", "/rebuttals/{rebuttal_id}"): EDITOR,
    ("POST", "/rebuttals/{rebuttal_id}/evidence"): WRITERS,
    ("GET", "/rebuttals/{rebuttal_id}/versions"): STAFF,
    ("GET", "/rebuttals/{rebuttal_id}/diff"): STAFF,
    ("POST", "/rebuttals/{rebuttal_id}/comments"): WRITERS,
    ("GET", "/rebuttals/{rebuttal_id}/comments"): STAFF,
    ("POST", "/rebuttals/{rebuttal_id}/submit"): EDITOR,
    ("POST", "/rebuttals/{rebuttal_id}/request-changes"): APPROVER,
    ("POST", "/rebuttals/{rebuttal_id}/publish"): APPROVER,
    ("POST", "/rebuttals/{rebuttal_id}/correct"): APPROVER,
    ("POST", "/rebuttals/{rebuttal_id}/retract"): APPROVER,
    ("GET", "/claimreview/{rebuttal_id}"): PUBLIC,
    ("GET", "/partner/briefs"): PARTNER,
    ("GET", "/partner/briefs/{brief_id}"): PARTNER,
    ("POST", "/partner/briefs/{brief_id}/ack"): PARTNER,
    ("POST", "/partner/briefs/{brief_id}/publications"): PARTNER,
    ("GET", "/partner/briefs/{brief_id}/publications"): PARTNER,
    ("GET", "/partner/commissions"): PARTNER,
    ("POST", "/partner/commissions/{commission_id}/accept"): PARTNER,
    ("POST", "/partner/commissions/{commission_id}/decline"): PARTNER,
    ("POST", "/partner/commissions/{commission_id}/deliver"): PARTNER,
    ("POST", "/partner/webhooks"): PARTNER,
    ("GET", "/partner/webhooks"): PARTNER,
    ("DELETE", "/partner/webhooks/{endpoint_id}"): PARTNER,
    ("GET", "/partner/deliveries"): PARTNER,
    ("GET", "/briefs"): STAFF,
    ("GET", "/briefs/{brief_id}"): STAFF,
    ("POST", "/briefs/{brief_id}/commissions"): APPROVER,
    ("GET", "/webhooks/deliveries"): ADMIN,
    ("POST", "/webhooks/deliveries/{delivery_id}/redeliver"): ADMIN,
    ("PATCH", "/partners/{partner_id}"): ADMIN,
    ("POST", "/partners/{partner_id}/keys/{key_id}/rotate"): ADMIN,
    ("POST", "/reports"): PUBLIC,
    ("GET", "/reports/{token}"): PUBLIC,
}
