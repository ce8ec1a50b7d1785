"""Rebuttals: drafting, evidence, versions and diffs, review, publication, correction,
retraction; ClaimReview JSON-LD of published rebuttals."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from fastapi.responses import JSONResponse
from sqlmodel import Session

from api.concurrency import PRECONDITION_RESPONSES, IfMatch, expected_version, set_etag
from api.deps import Principal, SessionDep, StaffDep, require
from api.params import IdPath
from api.routers.cases import actor_of
from models.enums import Role
from models.rebuttals import Rebuttal
from rebuttal import claimreview
from rebuttal import rebuttals as rebuttals_service
from rebuttal.briefs import recipient_ids
from rebuttal.schemas import (
    CommentIn,
    CommentPublic,
    CorrectIn,
    EvidenceCreate,
    EvidencePublic,
    PublishedRebuttal,
    PublishIn,
    RebuttalCreate,
    RebuttalDetail,
    RebuttalDiff,
    RebuttalUpdate,
    RebuttalVersionPublic,
    ReviewIn,
)

router = APIRouter(tags=["rebuttals"])

EditorDep = Annotated[Principal, Depends(require(Role.editor))]
ApproverDep = Annotated[Principal, Depends(require(Role.approver))]
WriterDep = Annotated[Principal, Depends(require(Role.editor, Role.approver))]


def detail(session: Session, row: Rebuttal, response: Response | None = None) -> RebuttalDetail:
    assert row.id is not None
    if response is not None:
        set_etag(response, row.version)
    brief = rebuttals_service.brief_of(session=session, rebuttal_id=row.id)
    return RebuttalDetail.model_validate(
        {
            **{k: getattr(row, k) for k in RebuttalDetail.model_fields if hasattr(row, k)},
            "evidence": [
                EvidencePublic.model_validate(e)
                for e in rebuttals_service.evidence_of(session=session, rebuttal_id=row.id)
            ],
            "brief_id": brief.id if brief else None,
        }
    )


@router.post(
    "/cases/{case_id}/rebuttal",
    summary="Draft the rebuttal of a case",
    status_code=status.HTTP_201_CREATED,
    response_model=RebuttalDetail,
)
def create_rebuttal(
    case_id: IdPath,
    rebuttal_in: RebuttalCreate,
    session: SessionDep,
    principal: EditorDep,
    response: Response,
) -> RebuttalDetail:
    row = rebuttals_service.create(
        session=session, case_id=case_id, rebuttal_in=rebuttal_in, actor=actor_of(principal)
    )
    return detail(session, row, response)


@router.get(
    "/rebuttals/{rebuttal_id}",
    summary="A rebuttal with its evidence (ETag = version)",
    response_model=RebuttalDetail,
)
def get_rebuttal(
    rebuttal_id: IdPath, session: SessionDep, _: StaffDep, response: Response
) -> RebuttalDetail:
    row = rebuttals_service.get(session=session, rebuttal_id=rebuttal_id)
    return detail(session, row, response)


@router.patch(
    "/rebuttals/{rebuttal_id}",
    summary="Edit a draft (each edit is a new version)",
    response_model=RebuttalDetail,
    responses=PRECONDITION_RESPONSES,
)
def update_rebuttal(
    rebuttal_id: IdPath,
    rebuttal_in: RebuttalUpdate,
    session: SessionDep,
    principal: EditorDep,
    response: Response,
    if_match: IfMatch = None,
) -> RebuttalDetail:
    row = rebuttals_service.update(
        session=session,
        rebuttal_id=rebuttal_id,
        rebuttal_in=rebuttal_in,
        actor=actor_of(principal),
        expected=expected_version(if_match, rebuttal_in.version),
    )
    return detail(session, row, response)


@router.post(
    "/rebuttals/{rebuttal_id}/evidence",
    summary="Add evidence (documents, URLs, the competent authority's confirmation)",
    status_code=status.HTTP_201_CREATED,
    response_model=EvidencePublic,
)
def add_evidence(
    rebuttal_id: IdPath, evidence_in: EvidenceCreate, session: SessionDep, principal: WriterDep
) -> EvidencePublic:
    row = rebuttals_service.add_evidence(
        session=session, rebuttal_id=rebuttal_id, evidence_in=evidence_in, actor=actor_of(principal)
    )
    return EvidencePublic.model_validate(row)


@router.get(
    "/rebuttals/{rebuttal_id}/versions",
    summary="Every version of a rebuttal",
    response_model=list[RebuttalVersionPublic],
)
def list_versions(
    rebuttal_id: IdPath, session: SessionDep, _: StaffDep
) -> list[RebuttalVersionPublic]:
    rows = rebuttals_service.versions(session=session, rebuttal_id=rebuttal_id)
    return [RebuttalVersionPublic.model_validate(v) for v in rows]


@router.get(
    "/rebuttals/{rebuttal_id}/diff",
    summary="What changed between two versions",
    response_model=RebuttalDiff,
)
def diff_versions(
    rebuttal_id: IdPath,
    session: SessionDep,
    _: StaffDep,
    from_: Annotated[int, Query(alias="from", ge=1, le=100_000)],
    to: Annotated[int, Query(ge=1, le=100_000)],
) -> RebuttalDiff:
    changes = rebuttals_service.diff(
        session=session, rebuttal_id=rebuttal_id, from_version=from_, to_version=to
    )
    return RebuttalDiff.model_validate(
        {"rebuttal_id": rebuttal_id, "from_version": from_, "to_version": to, "changes": changes}
    )


@router.post(
    "/rebuttals/{rebuttal_id}/comments",
    summary="Comment on a rebuttal",
    status_code=status.HTTP_201_CREATED,
    response_model=CommentPublic,
)
def add_comment(
    rebuttal_id: IdPath, comment_in: CommentIn, session: SessionDep, principal: WriterDep
) -> CommentPublic:
    row = rebuttals_service.comment(
        session=session, rebuttal_id=rebuttal_id, body=comment_in.body, actor=actor_of(principal)
    )
    return CommentPublic.model_validate(row)


@router.get(
    "/rebuttals/{rebuttal_id}/comments",
    summary="Review comments",
    response_model=list[CommentPublic],
)
def list_comments(rebuttal_id: IdPath, session: SessionDep, _: StaffDep) -> list[CommentPublic]:
    rows = rebuttals_service.comments(session=session, rebuttal_id=rebuttal_id)
    return [CommentPublic.model_validate(c) for c in rows]


@router.post(
    "/rebuttals/{rebuttal_id}/submit",
    summary="Send a draft for review",
    response_model=RebuttalDetail,
    responses=PRECONDITION_RESPONSES,
)
def submit(
    rebuttal_id: IdPath,
    review_in: ReviewIn,
    session: SessionDep,
    principal: EditorDep,
    response: Response,
    if_match: IfMatch = None,
) -> RebuttalDetail:
    row = rebuttals_service.submit(
        session=session,
        rebuttal_id=rebuttal_id,
        actor=actor_of(principal),
        expected=expected_version(if_match, review_in.version),
        note=review_in.note,
    )
    return detail(session, row, response)


@router.post(
    "/rebuttals/{rebuttal_id}/request-changes",
    summary="Send a rebuttal back to its author (approver, never an author)",
    response_model=RebuttalDetail,
    responses=PRECONDITION_RESPONSES,
)
def request_changes(
    rebuttal_id: IdPath,
    review_in: ReviewIn,
    session: SessionDep,
    principal: ApproverDep,
    response: Response,
    if_match: IfMatch = None,
) -> RebuttalDetail:
    row = rebuttals_service.request_changes(
        session=session,
        rebuttal_id=rebuttal_id,
        actor=actor_of(principal),
        expected=expected_version(if_match, review_in.version),
        note=review_in.note,
    )
    return detail(session, row, response)


@router.post(
    "/rebuttals/{rebuttal_id}/publish",
    summary="Approve and publish as a brief to partners (approver, never an author)",
    response_model=PublishedRebuttal,
    responses=PRECONDITION_RESPONSES,
)
def publish(
    rebuttal_id: IdPath,
    publish_in: PublishIn,
    session: SessionDep,
    principal: ApproverDep,
    response: Response,
    if_match: IfMatch = None,
) -> PublishedRebuttal:
    row, brief = rebuttals_service.publish(
        session=session,
        rebuttal_id=rebuttal_id,
        publish_in=publish_in,
        actor=actor_of(principal),
        expected=expected_version(if_match, publish_in.version),
    )
    assert brief.id is not None
    return PublishedRebuttal(
        rebuttal=detail(session, row, response),
        brief_id=brief.id,
        recipients=len(recipient_ids(session, brief.id)),
    )


@router.post(
    "/rebuttals/{rebuttal_id}/correct",
    summary="Correct a published rebuttal; every partner who received it is notified",
    response_model=RebuttalDetail,
    responses=PRECONDITION_RESPONSES,
)
def correct(
    rebuttal_id: IdPath,
    correct_in: CorrectIn,
    session: SessionDep,
    principal: ApproverDep,
    response: Response,
    if_match: IfMatch = None,
) -> RebuttalDetail:
    row, _ = rebuttals_service.correct(
        session=session,
        rebuttal_id=rebuttal_id,
        correct_in=correct_in,
        actor=actor_of(principal),
        expected=expected_version(if_match, correct_in.version),
    )
    return detail(session, row, response)


@router.post(
    "/rebuttals/{rebuttal_id}/retract",
    summary="Retract a published rebuttal and its brief",
    response_model=RebuttalDetail,
    responses=PRECONDITION_RESPONSES,
)
def retract(
    rebuttal_id: IdPath,
    review_in: ReviewIn,
    session: SessionDep,
    principal: ApproverDep,
    response: Response,
    if_match: IfMatch = None,
) -> RebuttalDetail:
    row = rebuttals_service.retract(
        session=session,
        rebuttal_id=rebuttal_id,
        actor=actor_of(principal),
        expected=expected_version(if_match, review_in.version),
        note=review_in.note,
    )
    return detail(session, row, response)


@router.get(
    "/claimreview/{rebuttal_id}",
    summary="A published rebuttal as schema.org ClaimReview JSON-LD (public)",
    response_model=dict[str, Any],
    responses={200: {"content": {"application/ld+json": {}}}},
)
def claim_review(rebuttal_id: IdPath, session: SessionDep) -> JSONResponse:
    document = claimreview.build(session=session, rebuttal_id=rebuttal_id)
    return JSONResponse(document, media_type="application/ld+json")
