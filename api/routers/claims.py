from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import Principal, SessionDep, StaffDep, require
from api.params import IdPath
from api.routers.cases import actor_of
from detector.claims import service as claims_service
from detector.claims.schemas import (
    ClaimLinkPublic,
    ClaimPublic,
    LinkReviewRequest,
    MatchPublic,
    MatchRequest,
)
from detector.claims.store import load_match_model
from models.enums import Role, Stance, Verdict
from rebuttal import link_review

router = APIRouter(prefix="/claims", tags=["claims"])


@router.get("", summary="List known claims, newest first", response_model=list[ClaimPublic])
def list_claims(
    session: SessionDep,
    _: StaffDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    verdict: Verdict | None = None,
) -> list[ClaimPublic]:
    claims = claims_service.list(
        session=session, offset=offset, limit=limit, verdict=verdict.value if verdict else None
    )
    return [ClaimPublic.model_validate(c) for c in claims]


@router.get(
    "/{claim_id}",
    summary="One known claim",
    response_model=ClaimPublic,
    responses={404: {"description": "No such claim"}},
)
def get_claim(claim_id: IdPath, session: SessionDep, _: StaffDep) -> ClaimPublic:
    return ClaimPublic.model_validate(claims_service.get(session=session, claim_id=claim_id))


@router.post(
    "/match",
    summary="Match a text against the known claims (similarity, stance, auto-link decision)",
    response_model=list[MatchPublic],
    responses={503: {"description": "No claim-matching model is installed"}},
)
def match_text(
    body: MatchRequest,
    session: SessionDep,
    _: Annotated[Principal, Depends(require(Role.monitor, Role.editor, Role.approver))],
) -> list[MatchPublic]:
    # A plain `def`: FastAPI runs it in the threadpool, so matching never blocks the loop.
    matcher = claims_service.matcher(session=session, model=load_match_model())
    return [
        MatchPublic(
            claim_id=int(m.claim.id),
            claim_text=m.claim.text,
            verdict=m.claim.verdict,
            url=m.claim.url,
            rebuttal=m.claim.rebuttal,
            similarity=round(m.similarity, 4),
            stance=Stance(m.stance) if m.stance else None,
            stance_confidence=round(m.stance_confidence, 4)
            if m.stance_confidence is not None
            else None,
            suggested=m.suggested,
            auto_linked=m.auto_linked,
            embedding_cosine=round(m.embedding_cosine, 4)
            if m.embedding_cosine is not None
            else None,
        )
        for m in matcher.match(body.text, k=body.k).matches
    ]


DeskReviewer = Annotated[
    Principal, Depends(require(Role.monitor, Role.editor, Role.approver, Role.admin))
]


@router.get(
    "/{claim_id}/links",
    summary="The posts linked to a claim, best similarity first (rejected links included)",
    response_model=list[ClaimLinkPublic],
    responses={404: {"description": "No such claim"}},
)
def claim_links(
    claim_id: IdPath,
    session: SessionDep,
    _: StaffDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ClaimLinkPublic]:
    claims_service.get(session=session, claim_id=claim_id)
    links = claims_service.links_to(session=session, claim_id=claim_id, offset=offset, limit=limit)
    return [ClaimLinkPublic.model_validate(link, from_attributes=True) for link in links]


@router.put(
    "/{claim_id}/links/{post_id}/review",
    summary="Confirm a post-to-claim link (optionally correcting its stance) or reject it",
    response_model=ClaimLinkPublic,
    responses={404: {"description": "The post is not linked to this claim"}},
)
def review_link(
    claim_id: IdPath,
    post_id: IdPath,
    body: LinkReviewRequest,
    session: SessionDep,
    principal: DeskReviewer,
) -> ClaimLinkPublic:
    """The review holds: the claim's cases are corrected, the post's risk is recomputed and
    it is routed again; re-analysing the post later never overturns it."""
    link = link_review.review(
        session=session,
        post_id=post_id,
        claim_id=claim_id,
        decision=body.decision,
        stance=body.stance,
        actor=actor_of(principal),
    )
    return ClaimLinkPublic.model_validate(link, from_attributes=True)
