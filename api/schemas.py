"""Shapes shared by every route's documentation."""

from typing import Any

from pydantic import BaseModel, ConfigDict


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str
    message: str
    request_id: str


class ErrorBody(BaseModel):
    error: ErrorDetail


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _error("Not authenticated"),
    403: _error("The caller's role may not do this"),
    404: _error("Not found"),
    409: _error("Conflicts with what is stored"),
    413: _error("Request body too large"),
    422: _error("Invalid input; `fields` names each problem"),
    500: _error("Internal error (reported with the request id, never a stack trace)"),
}
