"""The press partner's side: its briefs (only its own), acknowledgements, publications,
commissions and webhook endpoints; and the staff's view of briefs and commissions."""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status
from sqlmodel import Session

from api.deps import PartnerDep, Principal, SessionDep, StaffDep, require
from api.params import IdPath
from api.routers.cases import actor_of
from models.desk import BriefRecipient
from models.enums import Role
from models.partners import Brief
from rebuttal import briefs as briefs_service
from rebuttal import webhooks as webhooks_service
from rebuttal.schemas import (
    BriefDetail,
    BriefPage,
    BriefPublic,
    CommissionAnswer,
    CommissionDelivery,
    CommissionIn,
    CommissionPublic,
    DeliveryPage,
    DeliveryPublic,
    PartnerBrief,
    PartnerBriefPage,
    PublicationIn,
    PublicationPublic,
    RecipientPublic,
    WebhookCreated,
    WebhookIn,
    WebhookPublic,
)

router = APIRouter(tags=["partners"])

ApproverDep = Annotated[Principal, Depends(require(Role.approver))]
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=300)]


def _partner_id(principal: Principal) -> int:
    assert principal.partner_id is not None
    return principal.partner_id


def partner_brief(session: Session, brief: Brief, receipt: BriefRecipient) -> PartnerBrief:
    content = briefs_service.payload(session, brief)
    return PartnerBrief(
        id=brief.id or 0,
        version=brief.version,
        status=brief.status,
        title=brief.title,
        verdict=content["verdict"],
        summary=content["summary"],
        key_facts=brief.key_facts,
        sources=brief.sources,
        suggested_wording=brief.suggested_wording,
        topics=brief.topics,
        published_at=brief.published_at,
        sent_at=receipt.sent_at,
        acknowledged_at=receipt.acknowledged_at,
    )


@router.get(
    "/partner/briefs",
    summary="Briefs sent to this partner, newest first (ETag; If-None-Match gives 304)",
    response_model=PartnerBriefPage,
    responses={304: {"description": "Not modified since the ETag sent in If-None-Match"}},
)
def my_briefs(
    session: SessionDep,
    principal: PartnerDep,
    response: Response,
    limit: Limit = 50,
    cursor: Cursor = None,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> PartnerBriefPage | Response:
    rows, next_cursor = briefs_service.list_for_partner(
        session=session, partner_id=_partner_id(principal), limit=limit, cursor=cursor
    )
    page = PartnerBriefPage(
        items=[partner_brief(session, b, r) for b, r in rows], next_cursor=next_cursor
    )
    etag = briefs_service.etag_of([i.model_dump(mode="json") for i in page.items], page.next_cursor)
    if if_none_match is not None and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers={"ETag": etag})
    response.headers["ETag"] = etag
    return page


@router.get(
    "/partner/briefs/{brief_id}",
    summary="One brief sent to this partner",
    response_model=PartnerBrief,
)
def my_brief(brief_id: IdPath, session: SessionDep, principal: PartnerDep) -> PartnerBrief:
    brief, receipt = briefs_service.for_partner(
        session=session, partner_id=_partner_id(principal), brief_id=brief_id
    )
    return partner_brief(session, brief, receipt)


@router.post(
    "/partner/briefs/{brief_id}/ack", summary="Acknowledge a brief", response_model=PartnerBrief
)
def acknowledge(brief_id: IdPath, session: SessionDep, principal: PartnerDep) -> PartnerBrief:
    briefs_service.acknowledge(
        session=session,
        partner_id=_partner_id(principal),
        brief_id=brief_id,
        by=principal.username,
    )
    brief, receipt = briefs_service.for_partner(
        session=session, partner_id=_partner_id(principal), brief_id=brief_id
    )
    return partner_brief(session, brief, receipt)


@router.post(
    "/partner/briefs/{brief_id}/publications",
    summary="Report where the brief was published and its reach",
    status_code=status.HTTP_201_CREATED,
    response_model=PublicationPublic,
)
def report_publication(
    brief_id: IdPath, publication_in: PublicationIn, session: SessionDep, principal: PartnerDep
) -> PublicationPublic:
    row = briefs_service.report_publication(
        session=session,
        partner_id=_partner_id(principal),
        brief_id=brief_id,
        url=publication_in.url,
        reach=publication_in.reach,
        by=principal.username,
    )
    return PublicationPublic.model_validate(row)


@router.get(
    "/partner/briefs/{brief_id}/publications",
    summary="This partner's publications of a brief",
    response_model=list[PublicationPublic],
)
def my_publications(
    brief_id: IdPath, session: SessionDep, principal: PartnerDep
) -> list[PublicationPublic]:
    briefs_service.for_partner(
        session=session, partner_id=_partner_id(principal), brief_id=brief_id
    )
    rows = briefs_service.publications(
        session=session, brief_id=brief_id, partner_id=_partner_id(principal)
    )
    return [PublicationPublic.model_validate(p) for p in rows]


@router.get(
    "/partner/commissions",
    summary="Commissions offered to this partner",
    response_model=list[CommissionPublic],
)
def my_commissions(session: SessionDep, principal: PartnerDep) -> list[CommissionPublic]:
    rows = briefs_service.commissions(session=session, partner_id=_partner_id(principal))
    return [CommissionPublic.model_validate(c) for c in rows]


@router.post(
    "/partner/commissions/{commission_id}/accept",
    summary="Accept a commission",
    response_model=CommissionPublic,
)
def accept_commission(
    commission_id: IdPath, answer: CommissionAnswer, session: SessionDep, principal: PartnerDep
) -> CommissionPublic:
    row = briefs_service.respond(
        session=session,
        partner_id=_partner_id(principal),
        commission_id=commission_id,
        accept=True,
        note=answer.note,
    )
    return CommissionPublic.model_validate(row)


@router.post(
    "/partner/commissions/{commission_id}/decline",
    summary="Decline a commission",
    response_model=CommissionPublic,
)
def decline_commission(
    commission_id: IdPath, answer: CommissionAnswer, session: SessionDep, principal: PartnerDep
) -> CommissionPublic:
    row = briefs_service.respond(
        session=session,
        partner_id=_partner_id(principal),
        commission_id=commission_id,
        accept=False,
        note=answer.note,
    )
    return CommissionPublic.model_validate(row)


@router.post(
    "/partner/commissions/{commission_id}/deliver",
    summary="Deliver against an accepted commission",
    response_model=CommissionPublic,
)
def deliver_commission(
    commission_id: IdPath, delivery: CommissionDelivery, session: SessionDep, principal: PartnerDep
) -> CommissionPublic:
    row = briefs_service.deliver(
        session=session,
        partner_id=_partner_id(principal),
        commission_id=commission_id,
        url=delivery.url,
        note=delivery.note,
    )
    return CommissionPublic.model_validate(row)


@router.post(
    "/partner/webhooks",
    summary="Register a webhook endpoint (secret shown once)",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
)
def create_webhook(
    webhook_in: WebhookIn, session: SessionDep, principal: PartnerDep
) -> WebhookCreated:
    row, secret = webhooks_service.create_endpoint(
        session=session,
        partner_id=_partner_id(principal),
        url=webhook_in.url,
        events=webhook_in.events,
    )
    return WebhookCreated(**WebhookPublic.model_validate(row).model_dump(), secret=secret)


@router.get(
    "/partner/webhooks",
    summary="This partner's webhook endpoints",
    response_model=list[WebhookPublic],
)
def list_webhooks(session: SessionDep, principal: PartnerDep) -> list[WebhookPublic]:
    rows = webhooks_service.list_endpoints(session=session, partner_id=_partner_id(principal))
    return [WebhookPublic.model_validate(w) for w in rows]


@router.delete(
    "/partner/webhooks/{endpoint_id}",
    summary="Switch a webhook endpoint off",
    response_model=WebhookPublic,
)
def delete_webhook(
    endpoint_id: IdPath, session: SessionDep, principal: PartnerDep
) -> WebhookPublic:
    row = webhooks_service.deactivate_endpoint(
        session=session, partner_id=_partner_id(principal), endpoint_id=endpoint_id
    )
    return WebhookPublic.model_validate(row)


@router.get(
    "/partner/deliveries",
    summary="This partner's webhook delivery log",
    response_model=DeliveryPage,
)
def my_deliveries(
    session: SessionDep, principal: PartnerDep, limit: Limit = 50, cursor: Cursor = None
) -> DeliveryPage:
    rows, next_cursor = webhooks_service.list_deliveries(
        session=session, partner_id=_partner_id(principal), limit=limit, cursor=cursor
    )
    return DeliveryPage(
        items=[DeliveryPublic.model_validate(d) for d in rows], next_cursor=next_cursor
    )


# ---- staff ---------------------------------------------------------------------------------


@router.get("/briefs", summary="Published briefs, newest first", response_model=BriefPage)
def list_briefs(
    session: SessionDep, _: StaffDep, limit: Limit = 50, cursor: Cursor = None
) -> BriefPage:
    rows, next_cursor = briefs_service.list(session=session, limit=limit, cursor=cursor)
    return BriefPage(items=[BriefPublic.model_validate(b) for b in rows], next_cursor=next_cursor)


@router.get(
    "/briefs/{brief_id}",
    summary="A brief with receipts, publications, commissions",
    response_model=BriefDetail,
)
def get_brief(brief_id: IdPath, session: SessionDep, _: StaffDep) -> BriefDetail:
    brief = briefs_service.get(session=session, brief_id=brief_id)
    recipients = [
        RecipientPublic(
            partner_id=partner.id or 0,
            partner_name=partner.name,
            sent_at=receipt.sent_at,
            acknowledged_at=receipt.acknowledged_at,
            publications=[
                PublicationPublic.model_validate(p)
                for p in briefs_service.publications(
                    session=session, brief_id=brief_id, partner_id=partner.id
                )
            ],
        )
        for receipt, partner in briefs_service.receipts(session=session, brief_id=brief_id)
    ]
    commissions = briefs_service.commissions(session=session, brief_id=brief_id)
    return BriefDetail(
        **BriefPublic.model_validate(brief).model_dump(),
        recipients=recipients,
        commissions=[CommissionPublic.model_validate(c) for c in commissions],
    )


@router.post(
    "/briefs/{brief_id}/commissions",
    summary="Commission a partner that received the brief (deliverable, deadline)",
    status_code=status.HTTP_201_CREATED,
    response_model=CommissionPublic,
)
def create_commission(
    brief_id: IdPath, commission_in: CommissionIn, session: SessionDep, principal: ApproverDep
) -> CommissionPublic:
    row = briefs_service.create_commission(
        session=session,
        brief_id=brief_id,
        partner_id=commission_in.partner_id,
        deliverable=commission_in.deliverable,
        deadline=commission_in.deadline,
        budget_note=commission_in.budget_note,
        actor=actor_of(principal),
    )
    return CommissionPublic.model_validate(row)
