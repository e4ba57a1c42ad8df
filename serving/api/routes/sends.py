"""Transactional sends: an intent to ``notify.intents``; and a notification's delivery status."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, status

from serving.api.models import NotificationStatusOut, SendAccepted, TransactionalSend
from serving.api.ports import ApiServices
from serving.dispatch.intent import Intent
from serving.dispatch.wire import encode_intent
from serving.outbound import notification_id

__all__ = ["router", "transactional_intent"]

router = APIRouter(tags=["sends"])
_NAMESPACE = uuid.UUID("3d0c5b7e-2a41-4f0e-9b6f-7c1e8a9d4f20")


def transactional_intent(send: TransactionalSend, *, now: datetime) -> Intent:
    """The intent of a transactional send; its id is derived from (user, idempotency key),
    so a client retrying the same POST produces the same intent."""
    return Intent(
        intent_id=str(uuid.uuid5(_NAMESPACE, f"{send.user_id}\x1f{send.idempotency_key}")),
        user_id=send.user_id,
        channels=tuple(send.channels),
        source="transactional",
        source_id=send.template,
        priority="transactional",
        payload=send.payload,
        idempotency_key=send.idempotency_key,
        created_at=now,
        ttl=timedelta(seconds=send.ttl_seconds) if send.ttl_seconds else None,
        send_after=send.send_after,
    )


@router.post(
    "/v1/sends/transactional",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SendAccepted,
)
def send_transactional(send: TransactionalSend, request: Request) -> SendAccepted:
    """Queue a transactional notification; 202 once the intent is durable in Kafka."""
    services: ApiServices = request.app.state.services
    clock: Callable[[], datetime] = request.app.state.clock
    intent = transactional_intent(send, now=clock())
    services.intents.publish(key=intent.user_id.encode(), value=encode_intent(intent))
    nid = notification_id(send.user_id, send.idempotency_key)
    return SendAccepted(
        intent_id=intent.intent_id,
        notification_id=nid,
        status_url=f"/v1/notifications/{nid}",
    )


@router.get("/v1/notifications/{notification_id}", response_model=NotificationStatusOut)
def notification_status(
    notification_id: Annotated[str, Path(min_length=1, max_length=64)], request: Request
) -> NotificationStatusOut:
    """The delivery status of one notification (404 until a worker attempted it)."""
    services: ApiServices = request.app.state.services
    row = services.statuses.get(notification_id) if services.statuses is not None else None
    if row is None:
        raise HTTPException(404, f"no delivery attempt recorded for {notification_id}")
    return NotificationStatusOut(
        notification_id=row.notification_id,
        user_id=row.user_id,
        channel=row.channel,
        provider=row.provider,
        status=row.status,
        attempts=row.attempts,
        updated_at=row.updated_at,
        error=row.error,
    )
