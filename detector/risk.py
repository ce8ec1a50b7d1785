"""One risk score per post, with its reasons in words.

The score ranks the desk's queue. It combines the evidence that a post is harmful — it spreads
a known false claim, it reads like an unreliable post, it is toxic — as a noisy-OR (each signal
alone can make a post risky; together they add up without exceeding 1), then scales it by how
much the post matters: whether it is about a policy area the desk answers for, and its reach
(engagement and the weight of its source).

Every part that moved the score becomes a reason in Vietnamese, strongest first, e.g.
``khớp tin giả #12 (0,91) · chủ đề: Giáo dục và học phí · tương tác cao``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from models.enums import Stance, Verdict

# How strongly each verdict of a matched claim counts: a claim checked as true is no risk.
VERDICT_WEIGHT: dict[str, float] = {
    Verdict.tin_gia.value: 1.0,
    Verdict.tin_sai_su_that.value: 0.9,
    Verdict.chua_xac_minh.value: 0.5,
    Verdict.tin_xac_thuc.value: 0.0,
}
VERDICT_VI: dict[str, str] = {
    Verdict.tin_gia.value: "tin giả",
    Verdict.tin_sai_su_that.value: "tin sai sự thật",
    Verdict.chua_xac_minh.value: "tin chưa xác minh",
    Verdict.tin_xac_thuc.value: "tin đã xác thực",
}
# Engagement (likes + 2·comments + 3·shares) at which reach counts as full.
FULL_REACH = 5_000.0
HIGH_REACH = 0.6
# Unreliability is a weaker signal than a match with a checked claim.
UNRELIABLE_WEIGHT = 0.7
TOXICITY_WEIGHT = 0.6
OFF_TOPIC_FACTOR = 0.6


@dataclass(frozen=True, slots=True)
class ClaimSignal:
    claim_id: Any
    similarity: float
    stance: str | None
    verdict: str | None
    auto_linked: bool = False


@dataclass(frozen=True, slots=True)
class RiskScore:
    score: float
    reasons: list[str] = field(default_factory=list)
    components: dict[str, float] = field(default_factory=dict)

    @property
    def summary(self) -> str:
        return " · ".join(self.reasons)


def _vi(x: float) -> str:
    """A score the Vietnamese way: two decimals, comma separator."""
    return f"{x:.2f}".replace(".", ",")


def reach(engagement: Mapping[str, Any] | None) -> float:
    """Reach in [0, 1] from the source's engagement counts (missing or junk values count 0)."""
    if not engagement:
        return 0.0

    def count(*names: str) -> float:
        for name in names:
            try:
                value = float(engagement.get(name) or 0)
            except (TypeError, ValueError):
                continue
            if math.isfinite(value) and value > 0:
                return value
        return 0.0

    weighted = (
        count("likes", "like", "reactions", "num_like_post")
        + 2 * count("comments", "comment", "num_comment_post")
        + 3 * count("shares", "share", "num_share_post")
    )
    return min(1.0, math.log1p(weighted) / math.log1p(FULL_REACH))


def score(
    *,
    claim: ClaimSignal | None = None,
    unreliable: float | None = None,
    toxicity: Mapping[str, float] | None = None,
    topics: Sequence[tuple[str, str, float]] = (),
    engagement: Mapping[str, Any] | None = None,
    source_weight: float = 0.5,
) -> RiskScore:
    """Combine the signals of one post. ``topics`` are ``(code, label_vi, score)``;
    ``source_weight`` in [0, 1] says how far the source carries (0.5: unknown)."""
    reasons: list[tuple[float, str]] = []
    parts: dict[str, float] = {}

    c = 0.0
    if claim is not None and claim.stance == Stance.spreads.value:
        weight = VERDICT_WEIGHT.get(claim.verdict or "", 0.7)
        c = max(0.0, min(1.0, claim.similarity)) * weight * (1.0 if claim.auto_linked else 0.85)
        if c > 0:
            label = VERDICT_VI.get(claim.verdict or "", "tin đã kiểm chứng")
            verb = "khớp" if claim.auto_linked else "có thể khớp"
            reasons.append((c, f"{verb} {label} #{claim.claim_id} ({_vi(claim.similarity)})"))
    elif claim is not None and claim.stance == Stance.refutes.value:
        reasons.append((0.0, f"bác bỏ tin #{claim.claim_id} (góp phần lan tỏa phản bác)"))
    parts["claim"] = c

    u = 0.0
    if unreliable is not None and math.isfinite(unreliable):
        u = max(0.0, min(1.0, unreliable)) * UNRELIABLE_WEIGHT
        if unreliable >= 0.5:
            reasons.append((u, f"dấu hiệu tin không đáng tin cậy ({_vi(unreliable)})"))
    parts["unreliable"] = u

    t = 0.0
    if toxicity:
        hate = float(toxicity.get("HATE", 0.0))
        offensive = float(toxicity.get("OFFENSIVE", 0.0))
        t = min(1.0, hate + 0.5 * offensive) * TOXICITY_WEIGHT
        if hate >= 0.5:
            reasons.append((t, f"ngôn từ thù ghét ({_vi(hate)})"))
        elif offensive >= 0.5:
            reasons.append((t, f"ngôn từ xúc phạm ({_vi(offensive)})"))
    parts["toxicity"] = t

    evidence = 1.0 - (1.0 - c) * (1.0 - u) * (1.0 - t)

    on_topic = bool(topics)
    topic_factor = 1.0 if on_topic else OFF_TOPIC_FACTOR
    if on_topic:
        reasons.append((0.0, "chủ đề: " + ", ".join(label for _, label, _ in topics[:2])))
    parts["topic_factor"] = topic_factor

    r = reach(engagement)
    w = max(0.0, min(1.0, source_weight))
    amplification = 0.7 + 0.3 * max(r, w)
    if r >= HIGH_REACH:
        reasons.append((0.0, "tương tác cao"))
    if w >= 0.8:
        reasons.append((0.0, "nguồn có sức lan tỏa lớn"))
    parts["reach"] = r
    parts["source_weight"] = w

    value = round(evidence * topic_factor * amplification, 4)
    parts["evidence"] = evidence
    # Evidence reasons by strength, then context (topic, reach) in the order added.
    ordered = sorted(reasons, key=lambda x: -x[0])
    return RiskScore(value, [text for _, text in ordered], parts)
