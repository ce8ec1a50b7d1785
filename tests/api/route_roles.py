"""Which roles may call each route. A route missing here fails tests/api/test_route_roles.py.

PUBLIC routes need no authentication. Staff sets include admin implicitly via require();
list it anyway so the table reads as the truth.
"""

from models.enums import Role

PUBLIC = "public"

STAFF = frozenset({Role.monitor, Role.editor, Role.approver, Role.ops, Role.admin})
ADMIN = frozenset({Role.admin})
OPS = frozenset({Role.ops, Role.admin})
PARTNER = frozenset({Role.partner})
EVERYONE = frozenset(Role)

ROUTE_ROLES: dict[tuple[str, str], frozenset[Role] | str] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("POST", "/auth/token"): PUBLIC,
    ("GET", "/auth/me"): EVERYONE,
    ("POST", "/posts"): STAFF,
    ("GET", "/posts"): STAFF,
    ("GET", "/posts/{post_id}"): STAFF,
    ("POST", "/users"): ADMIN,
    ("GET", "/users"): ADMIN,
    ("POST", "/partners"): ADMIN,
    ("GET", "/partners"): ADMIN,
    ("POST", "/partners/{partner_id}/keys"): ADMIN,
    ("GET", "/partners/{partner_id}/keys"): ADMIN,
    ("DELETE", "/partners/{partner_id}/keys/{key_id}"): ADMIN,
    ("GET", "/partner/me"): PARTNER,
    ("POST", "/sources"): OPS,
    ("GET", "/sources"): OPS,
    ("GET", "/sources/{source_id}"): OPS,
    ("PATCH", "/sources/{source_id}"): OPS,
    ("DELETE", "/sources/{source_id}"): OPS,
    ("GET", "/posts/{post_id}/snapshot"): STAFF,
}

# The rebuttal desk keeps its own table, so parallel work on other routes does not collide.
from tests.api.desk_route_roles import DESK_ROUTE_ROLES  # noqa: E402

ROUTE_ROLES.update(DESK_ROUTE_ROLES)

# The web UI keeps its own table too.
from tests.api.ui_route_roles import UI_ROUTE_ROLES  # noqa: E402

ROUTE_ROLES.update(UI_ROUTE_ROLES)

# The ops routes (schedules, job runs, health) keep their own table too.
from tests.api.ops_route_roles import OPS_ROUTE_ROLES  # noqa: E402

ROUTE_ROLES.update(OPS_ROUTE_ROLES)
ROUTE_ROLES[("POST", "/detect")] = frozenset({Role.monitor, Role.editor, Role.approver, Role.admin})
ROUTE_ROLES[("GET", "/claims")] = STAFF
ROUTE_ROLES[("GET", "/claims/{claim_id}")] = STAFF
ROUTE_ROLES[("POST", "/claims/match")] = frozenset(
    {Role.monitor, Role.editor, Role.approver, Role.admin}
)
ROUTE_ROLES[("GET", "/claims/{claim_id}/links")] = STAFF
ROUTE_ROLES[("PUT", "/claims/{claim_id}/links/{post_id}/review")] = frozenset(
    {Role.monitor, Role.editor, Role.approver, Role.admin}
)
