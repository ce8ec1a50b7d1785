"""Read-only lookups the case page needs and no service offers yet (detections and matched
claims of a case's posts). Writes always go through the services."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from detector.claims import service as claims_service
from models.claims import Claim, PostClaimLink
from models.detections import Detection


def detections_by_post(*, session: Session, post_ids: Sequence[int]) -> dict[int, list[Detection]]:
    if not post_ids:
        return {}
    rows = session.exec(
        select(Detection)
        .where(col(Detection.post_id).in_(post_ids))
        .order_by(col(Detection.created_at).desc(), col(Detection.id).desc())
    ).all()
    found: dict[int, list[Detection]] = {}
    for row in rows:
        found.setdefault(row.post_id, []).append(row)
    return found


@dataclass
class ClaimLink:
    post_id: int
    similarity: float
    stance: str | None


@dataclass
class MatchedClaim:
    claim: Claim
    links: list[ClaimLink] = field(default_factory=list)  # best first


def matched_claims(
    *, session: Session, claim_id: int | None, post_ids: Sequence[int]
) -> list[MatchedClaim]:
    """The case's own claim first, then the other claims its posts were matched to; each claim
    once, with the links of the case's posts to it (best similarity first)."""
    found: dict[int, MatchedClaim] = {}
    if claim_id is not None:
        claim = session.get(Claim, claim_id)
        if claim is not None and claim.id is not None:
            found[claim.id] = MatchedClaim(claim=claim)
    if post_ids:
        rows = session.exec(
            select(PostClaimLink, Claim)
            .join(Claim, col(Claim.id) == PostClaimLink.claim_id)
            .where(col(PostClaimLink.post_id).in_(post_ids), claims_service.not_rejected())
            .order_by(col(PostClaimLink.similarity).desc(), col(PostClaimLink.post_id))
        ).all()
        for link, claim in rows:
            if claim.id is None:
                continue
            entry = found.setdefault(claim.id, MatchedClaim(claim=claim))
            entry.links.append(ClaimLink(link.post_id, link.similarity, link.stance))
    return list(found.values())


@dataclass
class Segment:
    text: str
    span: dict[str, Any] | None = None


def highlight(text: str, spans: Sequence[dict[str, Any]]) -> list[Segment]:
    """Cut a post's text into plain and offending parts (character offsets from the detector).

    Overlapping or out-of-range spans are clipped rather than trusted, so a bad span can
    never duplicate or drop text.
    """
    segments: list[Segment] = []
    position = 0
    usable = []
    for span in spans:
        try:
            start, end = int(span["start"]), int(span["end"])
        except (KeyError, TypeError, ValueError):
            continue
        usable.append((max(0, start), min(len(text), end), span))
    for start, end, span in sorted(usable, key=lambda item: item[0]):
        start = max(start, position)
        if end <= start:
            continue
        if start > position:
            segments.append(Segment(text[position:start]))
        segments.append(Segment(text[start:end], span))
        position = end
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments
