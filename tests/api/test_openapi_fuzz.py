"""Schemathesis against the app's own OpenAPI, authenticated as an admin: no 5xx and no
response that breaks the documented schema.

Schemathesis' pytest plugin does not work with the pytest version in use, so each
operation gets its own parametrised test that drives Hypothesis directly.
"""

from collections.abc import Callable

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from sqlalchemy import create_engine

from api.app import create_app
from api.settings import ApiSettings
from models.enums import Role

# What the foundation promises: no server error, and every response as documented. Refusing
# a request the schema cannot describe as invalid (an undecodable cursor) is allowed.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


def _operation_labels() -> list[str]:
    app = create_app(settings=ApiSettings(env="test"), engine=create_engine("sqlite://"))
    return sorted(
        f"{method.upper()} {path}"
        for path, item in app.openapi()["paths"].items()
        for method in item
    )


@pytest.mark.parametrize("label", _operation_labels())
def test_operation_conforms_to_its_schema(
    label: str, app: FastAPI, auth_headers: Callable[[Role], dict[str, str]]
) -> None:
    method, path = label.split(" ", 1)
    headers = auth_headers(Role.partner if path.startswith("/partner/") else Role.admin)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operation = schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()
