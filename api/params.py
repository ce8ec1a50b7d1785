"""Parameter types shared by routers. Ids fit a PostgreSQL integer column."""

from typing import Annotated

from fastapi import Path, Query

from models.types import MAX_ID

IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
