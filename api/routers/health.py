from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from api.deps import EngineDep
from models.errors import Unavailable

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


@router.get("/healthz", summary="The process is alive", response_model=Health)
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    summary="The service can reach its database",
    response_model=Health,
    responses={503: {"description": "The database is unreachable"}},
)
def readyz(engine: EngineDep) -> Health:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        raise Unavailable(
            "Không kết nối được cơ sở dữ liệu.", "The database is unreachable."
        ) from exc
    return Health(status="ready")
