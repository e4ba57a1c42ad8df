"""When may the intent go out: its own ``send_after`` and the user's quiet hours, combined."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import JsonValue

from serving.dispatch.checks.quiet_hours import next_allowed, within_quiet_hours
from serving.dispatch.intent import Intent, Recipient
from serving.dispatch.policy import QuietHours
from serving.dispatch.priority import quiet_hours_apply

__all__ = ["Timing", "earliest_delivery"]


@dataclass(frozen=True, slots=True)
class Timing:
    """``deliver_at`` is None when the intent may go now; else when, and why not now."""

    deliver_at: datetime | None
    reason: Literal["scheduled", "quiet_hours"] | None
    facts: dict[str, JsonValue]


def earliest_delivery(
    intent: Intent, recipient: Recipient, *, now: datetime, quiet_hours: QuietHours | None
) -> Timing:
    """The first allowed instant at or after ``max(now, send_after)``.

    Quiet hours apply to triggered and marketing intents only; a quiet-hours
    deferral lands on the first instant outside the window in the recipient's
    zone, strictly after now.
    """
    zone = ZoneInfo(recipient.timezone)
    applies = quiet_hours is not None and quiet_hours_apply(intent.priority)
    start = max(now, intent.send_after) if intent.send_after else now
    facts: dict[str, JsonValue] = {
        "timezone": recipient.timezone,
        "local_time": now.astimezone(zone).isoformat(),
        "quiet_hours": (
            f"{_clock(quiet_hours.start)}-{_clock(quiet_hours.end)}" if quiet_hours else None
        ),
        "quiet_hours_apply": applies,
        "send_after": intent.send_after.isoformat() if intent.send_after else None,
    }
    if quiet_hours and applies and within_quiet_hours(start, zone=zone, window=quiet_hours):
        deliver_at = next_allowed(start, zone=zone, window=quiet_hours)
        facts["deliver_local_time"] = deliver_at.astimezone(zone).isoformat()
        return Timing(deliver_at=deliver_at, reason="quiet_hours", facts=facts)
    if start > now:
        return Timing(deliver_at=start, reason="scheduled", facts=facts)
    return Timing(deliver_at=None, reason=None, facts=facts)


def _clock(moment: time) -> str:
    return moment.isoformat("minutes" if not (moment.second or moment.microsecond) else "auto")
