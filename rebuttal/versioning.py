"""Optimistic concurrency for any row with an integer `version` column."""

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session

from models.errors import Conflict, PreconditionFailed, VigilError
from models.types import utcnow
from rebuttal.workflow import Expected


class RowChanged(Conflict):
    code = "changed"


class RowPreconditionFailed(PreconditionFailed):
    code = "precondition_failed"


def stale(row: Any, what_vi: str, what_en: str, expected: Expected) -> VigilError:
    vi = (
        f"{what_vi} #{row.id} vừa được người khác thay đổi (phiên bản {row.version}, bạn đang "
        f"sửa phiên bản {expected.version}). Hãy tải lại rồi làm lại."
    )
    en = (
        f"{what_en} #{row.id} was changed by someone else (version {row.version}, you edited "
        f"version {expected.version}). Reload and try again."
    )
    if expected.from_header:
        return RowPreconditionFailed(vi, en, current_version=row.version)
    return RowChanged(vi, en, current_version=row.version)


def claim(
    session: Session, row: Any, expected: Expected | None, *, what_vi: str, what_en: str
) -> None:
    """Bump `row.version` only if it is still the one the caller read (as in workflow)."""
    model = type(row)
    current = row.version
    if expected is not None and expected.version != current:
        raise stale(row, what_vi, what_en, expected)
    values: dict[str, Any] = {"version": current + 1}
    if hasattr(model, "updated_at"):
        values["updated_at"] = utcnow()
    result = session.execute(
        update(model).where(model.id == row.id, model.version == current).values(**values),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(row)
        raise stale(row, what_vi, what_en, expected or Expected(current))
    set_committed_value(row, "version", current + 1)
