from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from api.deps import Principal, require
from detector import service as detector_service
from detector.service import DetectionPublic
from models.enums import Role

router = APIRouter(prefix="/detect", tags=["detector"])

# One post's worth of text; longer input is refused here (the batch job truncates instead).
MAX_DETECT_CHARS = 100_000


class DetectRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "Bọn này ngu vl, toàn nói láo"}]},
    )

    text: str = Field(max_length=MAX_DETECT_CHARS, description="The text to check")


@router.post(
    "",
    summary="Check a text for toxicity and show the offending words",
    response_model=DetectionPublic,
    responses={503: {"description": "No usable detector model is installed"}},
)
def detect(
    body: DetectRequest,
    _: Annotated[Principal, Depends(require(Role.monitor, Role.editor, Role.approver))],
) -> DetectionPublic:
    # A plain `def`: FastAPI runs it in the threadpool, so inference never blocks the loop.
    return detector_service.detect_texts([body.text])[0]
