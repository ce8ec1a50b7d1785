"""Role table of the web UI routes (merged into route_roles.ROUTE_ROLES).

HTML pages (paths under /ui) answer an anonymous visitor with a 303 redirect to the login
page instead of a 401; a logged-in user of the wrong role still gets 403.
"""

from models.enums import Role

PUBLIC = "public"
EVERYONE = frozenset(Role)
STAFF = frozenset({Role.monitor, Role.editor, Role.approver, Role.ops, Role.admin})
ADMIN = frozenset({Role.admin})
OPS = frozenset({Role.ops, Role.admin})
PARTNER = frozenset({Role.partner})
DESK = frozenset({Role.monitor, Role.editor, Role.approver, Role.admin})
MONITOR = frozenset({Role.monitor, Role.admin})
EDITOR = frozenset({Role.editor, Role.admin})
APPROVER = frozenset({Role.approver, Role.admin})
WRITERS = frozenset({Role.editor, Role.approver, Role.admin})


def is_html_route(path: str) -> bool:
    return path == "/ui" or path.startswith("/ui/")


UI_ROUTE_ROLES: dict[tuple[str, str], frozenset[Role] | str] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/ui/login"): PUBLIC,
    ("POST", "/ui/login"): PUBLIC,
    ("POST", "/ui/lang"): PUBLIC,
    ("POST", "/ui/logout"): EVERYONE,
    ("GET", "/ui/"): EVERYONE,
    ("GET", "/ui/ops/sources"): OPS,
    ("POST", "/ui/ops/sources"): OPS,
    ("POST", "/ui/ops/sources/{source_id}/enabled"): OPS,
    ("GET", "/ui/ops/sources/{source_id}"): OPS,
    ("GET", "/ui/ops/schedules"): OPS,
    ("POST", "/ui/ops/schedules"): OPS,
    ("POST", "/ui/ops/schedules/{source_id}/pause"): OPS,
    ("POST", "/ui/ops/schedules/{source_id}/resume"): OPS,
    ("POST", "/ui/ops/schedules/{source_id}/delete"): OPS,
    ("POST", "/ui/ops/schedules/{source_id}/run-now"): OPS,
    ("GET", "/ui/ops/runs"): OPS,
    ("GET", "/ui/ops/health"): OPS,
    ("GET", "/ui/queue"): STAFF,
    ("GET", "/ui/queue/rows"): STAFF,
    ("POST", "/ui/queue/bulk"): MONITOR,
    ("POST", "/ui/cases/{case_id}/take"): DESK,
    ("GET", "/ui/cases/{case_id}"): STAFF,
    ("POST", "/ui/cases/{case_id}/move"): DESK,
    ("POST", "/ui/cases/{case_id}/posts/{post_id}/link-review"): DESK,
    ("POST", "/ui/cases/{case_id}/assign"): MONITOR,
    ("GET", "/ui/posts/{post_id}/snapshot"): STAFF,
    ("GET", "/ui/cases/{case_id}/rebuttal/new"): EDITOR,
    ("POST", "/ui/cases/{case_id}/rebuttal"): EDITOR,
    ("GET", "/ui/rebuttals/{rebuttal_id}"): STAFF,
    ("POST", "/ui/rebuttals/{rebuttal_id}"): EDITOR,
    ("POST", "/ui/rebuttals/{rebuttal_id}/evidence"): WRITERS,
    ("POST", "/ui/rebuttals/{rebuttal_id}/submit"): EDITOR,
    ("POST", "/ui/rebuttals/{rebuttal_id}/request-changes"): APPROVER,
    ("POST", "/ui/rebuttals/{rebuttal_id}/publish"): APPROVER,
    ("GET", "/ui/partner/briefs"): PARTNER,
    ("GET", "/ui/partner/briefs/{brief_id}"): PARTNER,
    ("POST", "/ui/partner/briefs/{brief_id}/ack"): PARTNER,
    ("POST", "/ui/partner/briefs/{brief_id}/publications"): PARTNER,
    ("GET", "/ui/partner/commissions"): PARTNER,
    ("POST", "/ui/partner/commissions/{commission_id}/respond"): PARTNER,
    ("POST", "/ui/partner/commissions/{commission_id}/deliver"): PARTNER,
    ("GET", "/ui/report"): PUBLIC,
    ("POST", "/ui/report"): PUBLIC,
    ("GET", "/ui/report/{token}"): PUBLIC,
    ("GET", "/ui/dashboard"): STAFF,
    ("GET", "/ui/admin/partners"): ADMIN,
    ("POST", "/ui/admin/partners"): ADMIN,
    ("POST", "/ui/admin/partners/{partner_id}"): ADMIN,
    ("POST", "/ui/admin/partners/{partner_id}/keys"): ADMIN,
    ("POST", "/ui/admin/partners/{partner_id}/keys/{key_id}/revoke"): ADMIN,
    ("POST", "/ui/admin/partners/{partner_id}/users"): ADMIN,
    ("POST", "/ui/rebuttals/{rebuttal_id}/commissions"): APPROVER,
}
