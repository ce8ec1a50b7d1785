"""The one place where domain exceptions become HTTP responses.

Every error body has the same shape: {"error": {"code", "message", "request_id", ...details}}.
A client never sees a stack trace.
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.i18n import preferred_language
from api.logging import current_request_id
from models.errors import (
    AlreadyExists,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PreconditionFailed,
    RateLimited,
    Unauthenticated,
    Unavailable,
    VigilError,
)

logger = logging.getLogger("vigil.api")

STATUS_BY_ERROR: dict[type[VigilError], int] = {
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    AlreadyExists: 409,
    Conflict: 409,
    PreconditionFailed: 412,
    InvalidInput: 422,
    RateLimited: 429,
    Unavailable: 503,
}

_HTTP_MESSAGES = {
    404: ("Không tìm thấy địa chỉ này.", "Not found."),
    405: ("Phương thức không được hỗ trợ ở địa chỉ này.", "Method not allowed here."),
    413: ("Nội dung gửi lên quá lớn.", "The request body is too large."),
}


def status_for(exc: VigilError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {
        "error": {"code": code, "message": message, "request_id": current_request_id(), **extra}
    }


async def _vigil_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VigilError)
    status = status_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, RateLimited) and "retry_after" in exc.details:
        headers = {"Retry-After": str(exc.details["retry_after"])}
    body = error_body(
        exc.code, exc.message(preferred_language(request)), **jsonable_encoder(exc.details)
    )
    return JSONResponse(body, status_code=status, headers=headers)


def _describe(error: dict[str, Any]) -> dict[str, Any]:
    location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    return {"field": location or "body", "problem": error.get("msg", ""), "type": error.get("type")}


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_describe(e) for e in exc.errors()]
    if any(e["type"] == "json_invalid" for e in errors):
        vi, en = "Nội dung gửi lên không phải JSON hợp lệ.", "The request body is not valid JSON."
    else:
        fields = ", ".join(sorted({e["field"] for e in errors}))
        vi = f"Dữ liệu không hợp lệ ở: {fields}."
        en = f"Invalid input in: {fields}."
    message = en if preferred_language(request) == "en" else vi
    return JSONResponse(
        error_body("validation_error", message, fields=jsonable_encoder(errors)), status_code=422
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    vi_en = _HTTP_MESSAGES.get(exc.status_code)
    if vi_en is not None:
        message = vi_en[1] if preferred_language(request) == "en" else vi_en[0]
    else:
        message = str(exc.detail)
    return JSONResponse(
        error_body(f"http_{exc.status_code}", message),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    vi = "Lỗi hệ thống. Hãy báo mã yêu cầu này cho quản trị viên."
    en = "Internal error. Please report this request id to an administrator."
    message = en if preferred_language(request) == "en" else vi
    return JSONResponse(error_body("internal_error", message), status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(VigilError, _vigil_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
