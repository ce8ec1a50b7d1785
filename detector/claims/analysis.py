"""Misinformation analysis of one post: the entry point for the desk.

``analyse_post(*, session, post)`` runs everything this package knows about a stored
:class:`~models.posts.Post` and returns a :class:`PostAnalysis`:

- ``match``: the best known claim (claim id, calibrated similarity, verdict, published rebuttal
  summary, stance ``spreads`` / ``refutes`` / ``mentions`` with its confidence, and whether it
  is only ``suggested`` (similarity ≥ the suggest threshold) or ``auto_linked`` (high
  similarity *and* confidently spreading)); ``None`` if no claim comes close;
- ``unreliable_score``: P(unreliable) from the ReINTEL-trained classifier (text, engagement,
  time), ``None`` if that model is not installed;
- ``topics``: policy areas (codes of :data:`detector.topics.TAXONOMY`) with scores;
- ``risk``: one score in [0, 1] and its reasons in Vietnamese
  (``khớp tin giả #12 (0,91) · chủ đề: Giáo dục và học phí · tương tác cao``).

Side effects, in the caller's session (the caller commits): a suggested match is stored as a
:class:`~models.claims.PostClaimLink` with its stance (re-analysing refreshes it, never
duplicates it), and the misinformation fields of the post's newest
:class:`~models.detections.Detection` (``matched_claim_id``, ``claim_similarity``, ``stance``,
``unreliable_score``, ``topics``, ``risk_score``, ``risk_reasons``) are filled — a Detection
named ``misinfo`` is created if the post has none yet. The toxicity already on that Detection
feeds the risk score.

Only ``spreads`` links should open cases; ``refutes`` links count toward the rebuttal's reach
(:func:`detector.claims.service.refutation_reach`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from detector import risk as risk_mod
from detector.claims import service, store
from detector.claims.matcher import ClaimMatcher, ClaimMatchModel, Match
from detector.service import latest_detection
from detector.topics import TopicScore, classify
from detector.unreliable import MODEL_NAME as UNRELIABLE
from detector.unreliable import UnreliableClassifier
from models.detections import Detection
from models.enums import LinkReview
from models.errors import Unavailable
from models.posts import Post

log = logging.getLogger(__name__)

MISINFO_MODEL = "misinfo"
MAX_ANALYSED_CHARS = 10_000


@dataclass(frozen=True, slots=True)
class PostAnalysis:
    post_id: int
    match: Match | None
    unreliable_score: float | None
    topics: list[TopicScore]
    risk: risk_mod.RiskScore
    detection_id: int | None = None
    model_versions: dict[str, str] = field(default_factory=dict)

    @property
    def opens_case(self) -> bool:
        """Whether the desk should queue it: it spreads a known claim, or is risky anyway."""
        spreads = self.match is not None and self.match.stance == "spreads" and self.match.suggested
        return spreads or self.risk.score >= 0.5


def _load(name: str) -> tuple[Any, str] | None:
    try:
        return store.load_latest(name)
    except Unavailable:
        log.warning("model %s not installed; analysing without it", name)
        return None


def post_record(post: Post) -> dict[str, Any]:
    """The unreliable classifier's view of a post."""
    engagement = post.engagement or {}
    text = "\n".join(x for x in (post.title, post.text) if x)[:MAX_ANALYSED_CHARS]
    return {
        "text": text,
        "likes": engagement.get("likes", engagement.get("reactions")),
        "comments": engagement.get("comments"),
        "shares": engagement.get("shares"),
        "timestamp": post.published_at.timestamp() if post.published_at else None,
    }


def _reviewed_best(
    session: Session, post_id: int, matches: list[Match], matcher: ClaimMatcher
) -> Match | None:
    """The match to keep, people's reviews of the post's links first: a confirmed link is
    kept with its reviewed stance (as sure as an auto-link), a rejected claim is never
    matched again; otherwise the first auto-link, else the best match."""
    reviewed = {
        link.claim_id: link
        for link in service.links_of(session=session, post_id=post_id, with_rejected=True)
        if link.review is not None
    }
    confirmed = [link for link in reviewed.values() if link.review == LinkReview.confirmed]
    for link in sorted(confirmed, key=lambda item: -item.similarity):
        claim = matcher.claim(link.claim_id)
        if claim is not None:
            return Match(
                claim=claim,
                similarity=link.similarity,
                cosine=link.similarity,
                stance=link.stance,
                stance_confidence=1.0,
                suggested=True,
                auto_linked=True,
            )
    usable = [
        m
        for m in matches
        if (review := reviewed.get(m.claim.id)) is None or review.review != LinkReview.rejected
    ]
    return next((m for m in usable if m.auto_linked), None) or next(iter(usable), None)


def analyse_post(
    *,
    session: Session,
    post: Post,
    match_model: ClaimMatchModel | None = None,
    unreliable_model: UnreliableClassifier | None = None,
    source_weight: float = 0.5,
) -> PostAnalysis:
    """Analyse ``post`` (see the module docstring); models default to the installed ones."""
    if post.id is None:
        raise ValueError("analyse_post needs a stored post (with an id)")
    versions: dict[str, str] = {}
    if match_model is None:
        loaded = _load(store.MATCH_MODEL)
        if loaded is not None:
            match_model, versions[store.MATCH_MODEL] = loaded
    if unreliable_model is None:
        loaded = _load(UNRELIABLE)
        if loaded is not None:
            unreliable_model, versions[UNRELIABLE] = loaded

    record = post_record(post)
    text = record["text"]

    best: Match | None = None
    if match_model is not None and text.strip():
        matcher = service.matcher(session=session, model=match_model)
        best = _reviewed_best(session, post.id, matcher.match(text, k=3).matches, matcher)
        if best is not None and best.suggested and best.stance is not None:
            service.link(
                session=session,
                post_id=post.id,
                claim_id=int(best.claim.id),
                similarity=best.similarity,
                stance=best.stance,
                auto_linked=best.auto_linked,
            )
        elif best is not None and not best.suggested:
            best = None

    unreliable = (
        unreliable_model.score_one(record)
        if unreliable_model is not None and text.strip()
        else None
    )
    topics = classify(text)

    detection = latest_detection(session=session, post_id=post.id)
    toxicity = dict(detection.toxicity_probs) if detection and detection.toxicity_probs else None

    claim_signal = (
        risk_mod.ClaimSignal(
            claim_id=best.claim.id,
            similarity=best.similarity,
            stance=best.stance,
            verdict=best.claim.verdict,
            auto_linked=best.auto_linked,
        )
        if best is not None
        else None
    )
    risk = risk_mod.score(
        claim=claim_signal,
        unreliable=unreliable,
        toxicity=toxicity,
        topics=[(t.code, t.label_vi, t.score) for t in topics],
        engagement=post.engagement,
        source_weight=source_weight,
    )

    if detection is None:
        detection = Detection(
            post_id=post.id,
            model_name=MISINFO_MODEL,
            model_version=";".join(f"{k}:{v}" for k, v in sorted(versions.items())) or "none",
        )
    detection.matched_claim_id = int(best.claim.id) if best is not None else None
    detection.claim_similarity = round(best.similarity, 4) if best is not None else None
    detection.stance = best.stance if best is not None else None
    detection.unreliable_score = round(unreliable, 4) if unreliable is not None else None
    detection.topics = [t.code for t in topics]
    detection.risk_score = risk.score
    detection.risk_reasons = list(risk.reasons)
    session.add(detection)
    session.flush()
    return PostAnalysis(
        post_id=post.id,
        match=best,
        unreliable_score=unreliable,
        topics=topics,
        risk=risk,
        detection_id=detection.id,
        model_versions=versions,
    )
