"""Per-user reads and writes: inbox, preferences, consent, merged view, decision log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from serving.api.models import (
    USER_ID_PATTERN,
    ConsentOut,
    ConsentUpdate,
    DeliveryState,
    InboxEntry,
    ViewOut,
)
from serving.api.ports import ApiServices
from serving.inbox import DecisionRecord
from serving.preferences import Preferences, PreferencesUpdate

__all__ = ["router"]

router = APIRouter(prefix="/v1/users/{user_id}", tags=["users"])

UserId = Annotated[str, Path(pattern=USER_ID_PATTERN, description="the user's id")]
Limit = Annotated[int, Query(ge=1, le=1000, description="newest first, at most this many")]


def _services(request: Request) -> ApiServices:
    services: ApiServices = request.app.state.services
    return services


@router.get("/inbox", response_model=list[InboxEntry])
def inbox(user_id: UserId, request: Request, limit: Limit = 50) -> list[InboxEntry]:
    """The user's inbox, newest first, each item with its delivery status."""
    s = _services(request)
    entries = []
    for item in s.inbox.list(user_id, limit=limit):
        row = s.statuses.get(item.notification_id) if s.statuses is not None else None
        delivery = (
            DeliveryState(
                status=row.status, attempts=row.attempts, updated_at=row.updated_at, error=row.error
            )
            if row is not None
            else None
        )
        entries.append(InboxEntry(**item.model_dump(), delivery=delivery))
    return entries


@router.get("/preferences", response_model=Preferences)
def get_preferences(user_id: UserId, request: Request) -> Preferences:
    """Stored preferences; a user with none gets the defaults (no consent on any channel)."""
    return _services(request).preferences.get(user_id) or Preferences(user_id=user_id)


@router.put("/preferences", response_model=Preferences)
def put_preferences(user_id: UserId, change: PreferencesUpdate, request: Request) -> Preferences:
    """Change the fields given (the others stay); returns the result."""
    return _services(request).preferences.update(user_id, change)


@router.get("/consent", response_model=ConsentOut)
def get_consent(user_id: UserId, request: Request) -> ConsentOut:
    prefs = get_preferences(user_id, request)
    return ConsentOut(user_id=user_id, opted_out=prefs.opted_out, consent=prefs.consent)


@router.put("/consent", response_model=ConsentOut)
def put_consent(user_id: UserId, change: ConsentUpdate, request: Request) -> ConsentOut:
    """Record consent per channel and the global opt-out (channels left out keep theirs)."""
    update = PreferencesUpdate(**change.model_dump(exclude_unset=True))
    prefs = _services(request).preferences.update(user_id, update)
    return ConsentOut(user_id=user_id, opted_out=prefs.opted_out, consent=prefs.consent)


@router.get("/view", response_model=ViewOut)
def view(user_id: UserId, request: Request) -> ViewOut:
    """The merged view: the current batch version plus the real-time view, with freshness."""
    return ViewOut.of(_services(request).view.read(user_id))


@router.get("/decisions", response_model=list[DecisionRecord])
def decisions(user_id: UserId, request: Request, limit: Limit = 50) -> list[DecisionRecord]:
    """Every decision about the user, sent or not, with its reason and inputs: why (not)."""
    return _services(request).decisions.list(user_id, limit=limit)
