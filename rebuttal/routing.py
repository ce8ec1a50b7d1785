"""Routing what the detector stored into the desk: open or join cases.

One case per claim or per cluster of near-identical posts. A post that spreads a known
claim joins that claim's live case (its reach raises the case's reach); a post that refutes
it counts toward the rebuttal's reach instead; a risky post that matches no claim opens or
joins the case of its cluster. Whether a post is risky enough depends on its topics' policy.
Routing the same post twice changes nothing.
"""

import zlib
from collections.abc import Sequence

from sqlalchemy import text
from sqlmodel import Session, col, select

from models.cases import Case
from models.claims import Claim, PostClaimLink
from models.detections import Detection
from models.enums import CaseState, Stance
from models.posts import Post
from rebuttal import cases as cases_service
from rebuttal import policies
from rebuttal.actors import SYSTEM
from rebuttal.settings import DeskSettings
from rebuttal.workflow import record

# A case stops collecting posts once it is dismissed, retracted or merged away; a new wave
# of the same claim then opens a fresh case.
DEAD_STATES = (CaseState.dismissed, CaseState.retracted)


def risk_of(detection: Detection) -> float:
    """The detector's risk score; for detections made before it existed, toxicity alone."""
    if detection.risk_score is not None:
        return float(detection.risk_score)
    probs = detection.toxicity_probs or {}
    return min(1.0, float(probs.get("HATE", 0.0)) + 0.5 * float(probs.get("OFFENSIVE", 0.0)))


def lock_routing(session: Session, kind: str, key: int) -> None:
    """Serialise routing of one claim or cluster across workers (PostgreSQL), so two posts
    of the same claim arriving together never open two cases."""
    if session.get_bind().dialect.name == "postgresql":
        lock_key = zlib.crc32(f"vigil-route:{kind}:{key}".encode())
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key})


def _live_case(
    session: Session, *, claim_id: int | None = None, cluster_id: int | None = None
) -> Case | None:
    query = select(Case).where(
        col(Case.state).not_in([s.value for s in DEAD_STATES]), col(Case.merged_into_id).is_(None)
    )
    if claim_id is not None:
        query = query.where(Case.claim_id == claim_id)
    else:
        query = query.where(Case.cluster_id == cluster_id, col(Case.claim_id).is_(None))
    return session.exec(query.order_by(col(Case.id).desc()).limit(1)).first()


def _join(session: Session, case: Case, post: Post, risk: float, stance: str) -> bool:
    if not cases_service.add_post(session=session, case=case, post=post, stance=stance):
        return False
    if stance == Stance.spreads:
        case.risk_score = max(case.risk_score, risk)
    cases_service.recount_reach(session=session, case=case)
    cases_service.recompute_priority(session=session, case=case)
    session.add(case)
    kind = "post_joined" if stance == Stance.spreads else "refuting_post"
    record(session, case, SYSTEM, kind, data={"post_id": post.id, "reach": case.reach})
    return True


def _open(
    session: Session,
    *,
    post: Post,
    detection: Detection,
    risk: float,
    topic: str | None,
    settings: DeskSettings,
    claim: Claim | None = None,
) -> Case:
    title = claim.text if claim else (post.title or post.text)
    case = cases_service.new_case(
        session=session,
        title=" ".join(title.split())[:300],
        topic=topic,
        risk_score=risk,
        opened_by="auto",
        claim_id=claim.id if claim else None,
        cluster_id=None if claim else post.cluster_id,
        first_detected_at=detection.created_at,
        settings=settings,
    )
    cases_service.add_post(session=session, case=case, post=post)
    cases_service.recount_reach(session=session, case=case)
    cases_service.recompute_priority(session=session, case=case, settings=settings)
    session.add(case)
    record(
        session,
        case,
        SYSTEM,
        "opened",
        to_state=CaseState.new.value,
        data={
            "post_id": post.id,
            "detection_id": detection.id,
            "risk": risk,
            "reasons": detection.risk_reasons,
        },
    )
    return case


def route_detection(
    *,
    session: Session,
    post: Post,
    detection: Detection,
    links: Sequence[PostClaimLink],
    settings: DeskSettings | None = None,
) -> Case | None:
    """Open or join the case(s) a detection calls for; returns the case the post now spreads
    in (None when it is not risky, or only refutes or mentions claims)."""
    settings = settings or DeskSettings()
    risk = risk_of(detection)
    claims = {link.claim_id: session.get(Claim, link.claim_id) for link in links}
    topics = [*detection.topics]
    for claim in claims.values():
        if claim is not None:
            topics += claim.topics
    policy = policies.for_topics(session=session, topics=topics, settings=settings)
    routed: Case | None = None

    for link in sorted(links, key=lambda item: -item.similarity):
        claim = claims.get(link.claim_id)
        if claim is None or claim.id is None:
            continue
        lock_routing(session, "claim", claim.id)
        case = _live_case(session, claim_id=claim.id)
        if link.stance == Stance.refutes:
            if case is not None:
                _join(session, case, post, risk, Stance.refutes)
            continue
        if link.stance != Stance.spreads:
            continue
        if case is not None:
            _join(session, case, post, risk, Stance.spreads)
            routed = routed or case
        elif risk >= policy.threshold:
            routed = routed or _open(
                session,
                post=post,
                detection=detection,
                risk=risk,
                topic=policy.topic or next(iter(claim.topics), None),
                settings=settings,
                claim=claim,
            )

    spreads_a_claim = any(link.stance == Stance.spreads for link in links)
    if routed is None and not spreads_a_claim and risk >= policy.threshold:
        # Risky without a known claim (toxic speech, a new rumour): one case per cluster.
        if post.cluster_id is not None:
            lock_routing(session, "cluster", post.cluster_id)
            case = _live_case(session, cluster_id=post.cluster_id)
        else:
            existing = cases_service.cases_of_post(
                session=session, post_id=post.id or 0, stance=Stance.spreads
            )
            case = next((c for c in existing if c.claim_id is None), None)
        if case is not None:
            _join(session, case, post, risk, Stance.spreads)
            routed = case
        else:
            routed = _open(
                session,
                post=post,
                detection=detection,
                risk=risk,
                topic=policy.topic,
                settings=settings,
            )
    session.flush()
    return routed
