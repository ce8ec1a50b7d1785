"""The admin's view of webhook deliveries: the log, the dead letters, redelivery."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AdminDep, SessionDep
from api.params import IdPath, IdQuery
from models.enums import DeliveryStatus
from rebuttal import webhooks as webhooks_service
from rebuttal.schemas import DeliveryPage, DeliveryPublic

router = APIRouter(tags=["webhooks"])


@router.get(
    "/webhooks/deliveries",
    summary="Webhook delivery log (filter dead letters)",
    response_model=DeliveryPage,
)
def list_deliveries(
    session: SessionDep,
    _: AdminDep,
    status: DeliveryStatus | None = None,
    partner_id: IdQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
) -> DeliveryPage:
    rows, next_cursor = webhooks_service.list_deliveries(
        session=session, partner_id=partner_id, status=status, limit=limit, cursor=cursor
    )
    return DeliveryPage(
        items=[DeliveryPublic.model_validate(d) for d in rows], next_cursor=next_cursor
    )


@router.post(
    "/webhooks/deliveries/{delivery_id}/redeliver",
    summary="Queue a delivery again (same idempotency key)",
    response_model=DeliveryPublic,
)
def redeliver(delivery_id: IdPath, session: SessionDep, _: AdminDep) -> DeliveryPublic:
    row = webhooks_service.redeliver(session=session, delivery_id=delivery_id)
    return DeliveryPublic.model_validate(row)
