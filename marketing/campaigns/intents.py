"""A campaign recipient as a dispatcher intent (the ``notify.intents`` wire format).

Campaign intents are always ``source="campaign"`` and ``priority="marketing"``;
their idempotency key ``campaign:<campaign id>:<run id>:<user id>`` makes a
re-run of the hand-off produce the same intents, which the dispatcher sends at
most once. The payload carries the variant's templates for the user's locale
on each channel the user is reachable on; the dispatcher renders the one it picks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from marketing.campaigns._durations import format_duration
from marketing.campaigns.schema import Campaign
from marketing.campaigns.templates import resolve_locale
from speed_layer.models.intent import Intent, intent_id

__all__ = ["campaign_idempotency_key", "campaign_intent", "iso_utc"]


def campaign_idempotency_key(*, campaign_id: str, run_id: str, user_id: str) -> str:
    """``campaign:<campaign id>:<run id>:<user id>``."""
    return f"campaign:{campaign_id}:{run_id}:{user_id}"


def iso_utc(moment: datetime) -> str:
    """``2026-12-01T09:00:00.000Z`` (naive values are taken as UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def campaign_intent(
    *,
    campaign: Campaign,
    run_id: str,
    user_id: str,
    variant: str,
    locale: str | None,
    channels: Sequence[str],
    sent_at: datetime,
    created_at: datetime,
) -> Intent:
    """The intent for one treated recipient (holdout users get none)."""
    templates: dict[str, Any] = {}
    for channel in channels:
        chosen = resolve_locale(
            campaign.locales(channel), wanted=locale, default=campaign.default_locale
        )
        message = campaign.template_for(variant=variant, channel=channel, locale=chosen)
        templates[channel] = {chosen: {"subject": message.subject, "body": message.body}}
    payload: dict[str, Any] = {
        "campaign_id": campaign.id,
        "campaign_name": campaign.name,
        "run_id": run_id,
        "variant": variant,
        "template": templates,
    }
    if campaign.caps:
        payload["caps"] = [
            {"window": format_duration(c.window), "limit": c.limit} for c in campaign.caps
        ]
    key = campaign_idempotency_key(campaign_id=campaign.id, run_id=run_id, user_id=user_id)
    return Intent(
        intent_id=intent_id(key),
        user_id=user_id,
        source="campaign",
        source_id=campaign.id,
        priority="marketing",
        channels=tuple(channels),
        payload=payload,
        idempotency_key=key,
        event_time=iso_utc(sent_at),
        created_at=iso_utc(created_at),
        ttl_seconds=int(campaign.ttl.total_seconds()),
    )
