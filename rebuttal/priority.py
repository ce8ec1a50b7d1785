"""Queue priority from risk, reach, recency and topic weight, with the reasons shown to staff."""

import math
from datetime import datetime

from models.types import utcnow

RISK_POINTS = 50.0
REACH_POINTS = 30.0
RECENCY_POINTS = 20.0
# Reach counts logarithmically: a million readers is the ceiling of the scale.
REACH_CEILING_LOG10 = 6.0


def compute(
    *,
    risk: float,
    reach: int,
    first_detected_at: datetime,
    weight: float,
    topic: str | None,
    half_life_hours: float,
    now: datetime | None = None,
) -> tuple[float, list[str]]:
    now = now or utcnow()
    risk = min(max(risk, 0.0), 1.0)
    age_hours = max((now - first_detected_at).total_seconds() / 3600.0, 0.0)
    risk_part = RISK_POINTS * risk
    reach_part = REACH_POINTS * min(1.0, math.log10(1 + max(reach, 0)) / REACH_CEILING_LOG10)
    recency_part = RECENCY_POINTS * 0.5 ** (age_hours / half_life_hours)
    score = round((risk_part + reach_part + recency_part) * weight, 2)
    reasons = [
        f"Mức rủi ro {risk:.2f}: +{risk_part:.1f}",
        f"Lượt tiếp cận {reach:,}: +{reach_part:.1f}".replace(",", "."),
        f"Phát hiện {age_hours:.0f} giờ trước: +{recency_part:.1f}",
        f"Trọng số chủ đề «{topic or 'chung'}»: ×{weight:g}",
    ]
    return score, reasons
