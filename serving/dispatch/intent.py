"""What the dispatcher is asked: an :class:`Intent` to notify, and the :class:`Recipient` facts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from clarion.events import Channel
from serving.dispatch._types import Duration, TimeZoneName
from serving.dispatch.policy import FrequencyCap
from serving.dispatch.priority import Priority

__all__ = ["Intent", "Recipient", "Source"]

Source = Literal["campaign", "trigger", "transactional"]

# Which classes each source may ask for: a campaign can never claim a higher class.
_ALLOWED_PRIORITIES: dict[Source, tuple[Priority, ...]] = {
    "campaign": ("marketing",),
    "trigger": ("triggered", "risk_alert"),
    "transactional": ("transactional",),
}

_CAPS: TypeAdapter[tuple[FrequencyCap, ...]] = TypeAdapter(tuple[FrequencyCap, ...])

# User ids become Redis Cluster hash tags ({u123}), so they may not hold braces.
_USER_ID = r"^[^{}\s]+$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Intent(_Frozen):
    """One wish to notify one user, from a campaign fan-out, a trigger rule or a service.

    ``channels`` is the ordered preference; the dispatcher picks the first one the
    user consented to and can be reached on. ``idempotency_key`` names the logical
    notification (per user): however often it is submitted, it is sent at most
    once. ``event_time`` is when the cause happened (the trigger's event), if any.
    ``ttl`` overrides the policy's default staleness horizon for the class.

    A campaign intent may carry its campaign's own frequency caps in
    ``payload.caps`` (``[{"window": "24h", "limit": 1}]``, as the campaign hand-off
    writes them): :attr:`campaign_caps`, counted per campaign (``source_id``) and
    enforced on top of the global caps. They are ignored on other sources.
    """

    intent_id: str = Field(min_length=1)
    user_id: str = Field(pattern=_USER_ID)
    channels: tuple[Channel, ...] = Field(min_length=1)
    source: Source
    source_id: str = Field(min_length=1)
    priority: Priority
    payload: dict[str, JsonValue] = Field(default_factory=dict)
    idempotency_key: str = Field(min_length=1)
    created_at: AwareDatetime
    event_time: AwareDatetime | None = None
    ttl: Duration | None = None
    send_after: AwareDatetime | None = None
    _campaign_caps: tuple[FrequencyCap, ...] = PrivateAttr(default=())

    @model_validator(mode="after")
    def _consistent(self) -> Intent:
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("channels: each channel may appear once")
        if self.priority not in _ALLOWED_PRIORITIES[self.source]:
            allowed = " or ".join(_ALLOWED_PRIORITIES[self.source])
            raise ValueError(
                f"priority {self.priority!r}: a {self.source} intent must be {allowed}"
            )
        caps = self.payload.get("caps")
        if self.source == "campaign" and caps is not None:
            try:
                self._campaign_caps = _CAPS.validate_python(caps)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise ValueError(
                    f"payload.caps{'.' + where if where else ''}: {first['msg']}"
                ) from None
        return self

    @property
    def campaign_caps(self) -> tuple[FrequencyCap, ...]:
        """The campaign's own caps (``payload.caps``), or () for none or another source."""
        return self._campaign_caps

    def expires_at(self, default_ttl: timedelta) -> datetime:
        """When the intent goes stale: ``created_at + (ttl or the class default)``."""
        return self.created_at + (self.ttl or default_ttl)


class Recipient(_Frozen):
    """The facts about a user the decision needs, as the merged view will provide them.

    A channel missing from ``consent`` means no consent; a channel missing from
    ``contacts`` (or an empty contact point) means unreachable. ``cap_override``,
    when given, replaces the policy's frequency caps for this user.
    """

    user_id: str = Field(pattern=_USER_ID)
    timezone: TimeZoneName
    locale: str = Field(min_length=2)
    opted_out: bool = False
    consent: dict[Channel, bool] = Field(default_factory=dict)
    contacts: dict[Channel, str] = Field(default_factory=dict)
    cap_override: tuple[FrequencyCap, ...] | None = None

    def consents_to(self, channel: Channel) -> bool:
        return self.consent.get(channel, False)

    def reachable_on(self, channel: Channel) -> bool:
        return bool(self.contacts.get(channel, "").strip())
