"""What the dispatcher returns: a :class:`Decision`, serialisable for the decision log."""

from __future__ import annotations

from typing import Any, Final, Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, JsonValue, model_validator

from clarion.events import Channel
from serving.dispatch.priority import Priority

__all__ = ["REASONS", "REASON_OUTCOME", "Decision", "Outcome", "Reason"]

Outcome = Literal["send", "defer", "suppress"]

Reason = Literal[
    "sent",
    "duplicate",
    "in_flight",
    "stale",
    "opted_out",
    "no_consent",
    "unreachable",
    "scheduled",
    "quiet_hours",
    "shed_overload",
    "rate_limited",
    "frequency_capped",
    "campaign_capped",
    "template_error",
]
REASONS: Final[tuple[Reason, ...]] = get_args(Reason)

# Each reason belongs to exactly one outcome.
REASON_OUTCOME: Final[dict[Reason, Outcome]] = {
    "sent": "send",
    "in_flight": "defer",  # another dispatcher holds the intent right now; look again later
    "scheduled": "defer",  # the intent asked for a later send_after
    "quiet_hours": "defer",
    "rate_limited": "defer",
    "duplicate": "suppress",
    "stale": "suppress",
    "opted_out": "suppress",
    "no_consent": "suppress",
    "unreachable": "suppress",
    "shed_overload": "suppress",
    "frequency_capped": "suppress",
    "campaign_capped": "suppress",  # under the global caps, over the campaign's own
    "template_error": "suppress",  # the runtime could not render the send; nothing was spent
}


class Decision(BaseModel):
    """The dispatcher's answer for one intent, with the facts that decided it.

    ``deliver_at`` (UTC) is set exactly when the outcome is ``defer``; ``channel``
    is set for a send and for any decision taken after a channel was chosen.
    ``inputs`` holds every fact a step looked at (ages, consent per channel, local
    time, cap counts and limits, load and thresholds, bucket state), so "why did
    I, or didn't I, get this?" is answered from the log alone.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    intent_id: str
    user_id: str
    idempotency_key: str
    priority: Priority
    outcome: Outcome
    reason: Reason
    channel: Channel | None = None
    decided_at: AwareDatetime
    deliver_at: AwareDatetime | None = None
    policy_version: str
    inputs: dict[str, JsonValue]

    @model_validator(mode="after")
    def _consistent(self) -> Decision:
        _check(self)
        return self

    @classmethod
    def trusted(cls, **fields: Any) -> Decision:
        """A decision from values the dispatcher built itself (aware datetimes, JSON-safe
        inputs): the cross-field rules are checked, the per-field validation is skipped."""
        decision = cls.model_construct(**fields)
        _check(decision)
        return decision

    def to_json(self) -> str:
        """One line of JSON for the decision log."""
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str | bytes) -> Decision:
        return cls.model_validate_json(text)


def _check(d: Decision) -> None:
    """The rules across fields (ValueError): a reason's outcome, deliver_at, a send's channel."""
    if REASON_OUTCOME[d.reason] != d.outcome:
        raise ValueError(f"reason {d.reason!r} belongs to {REASON_OUTCOME[d.reason]!r}")
    if (d.outcome == "defer") != (d.deliver_at is not None):
        raise ValueError("deliver_at is required for a defer and only for a defer")
    if d.deliver_at is not None and d.deliver_at <= d.decided_at:
        raise ValueError("deliver_at must be after decided_at")
    if d.outcome == "send" and d.channel is None:
        raise ValueError("a send names its channel")
