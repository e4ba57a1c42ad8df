"""Request and response bodies of the HTTP API (what OpenAPI documents)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue

from clarion.events import Channel
from serving.inbox import InboxItem
from serving.view import MergedView

__all__ = [
    "USER_ID_PATTERN",
    "ConsentOut",
    "ConsentUpdate",
    "DeliveryState",
    "FieldProblem",
    "HealthOut",
    "InboxEntry",
    "NotificationStatusOut",
    "ProblemOut",
    "SendAccepted",
    "TransactionalSend",
    "ViewOut",
]

USER_ID_PATTERN = r"^[^{}\s/]{1,128}$"


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FieldProblem(_Body):
    field: str = Field(description="where the problem is, e.g. body.consent.fax")
    problem: str


class ProblemOut(_Body):
    detail: str
    errors: list[FieldProblem] = []


class DeliveryState(_Body):
    status: str
    attempts: int
    updated_at: datetime
    error: str | None = None


class InboxEntry(InboxItem):
    delivery: DeliveryState | None = Field(
        default=None, description="the delivery worker's status (null: not attempted yet)"
    )


class NotificationStatusOut(DeliveryState):
    notification_id: str
    user_id: str
    channel: str
    provider: str


class ConsentOut(_Body):
    user_id: str
    opted_out: bool
    consent: dict[Channel, bool]


class ConsentUpdate(_Body):
    """A partial change of consent: channels left out keep their answer."""

    opted_out: bool | None = None
    consent: dict[Channel, bool] | None = None


class TransactionalSend(_Body):
    """A send a service asks for (a receipt, a password reset): it bypasses frequency caps
    but never consent. The same ``idempotency_key`` for the same user is sent at most once."""

    user_id: str = Field(pattern=USER_ID_PATTERN)
    channels: list[Channel] = Field(min_length=1, description="in order of preference")
    template: str = Field(min_length=1, max_length=200, description="template id (source_id)")
    payload: dict[str, JsonValue] = Field(default_factory=dict)
    idempotency_key: str = Field(min_length=1, max_length=200)
    ttl_seconds: int | None = Field(default=None, gt=0, le=7 * 24 * 3600)
    send_after: AwareDatetime | None = None


class SendAccepted(_Body):
    intent_id: str
    notification_id: str
    status_url: str


class ViewOut(_Body):
    user_id: str
    batch_version: str | None
    batch_as_of: date | None
    batch_age_seconds: float | None
    batch: dict[str, JsonValue]
    realtime: dict[str, JsonValue]
    realtime_age_seconds: dict[str, float]
    stale_features: list[str]
    score: float | None
    model_version: str | None
    segments: list[str]

    @classmethod
    def of(cls, view: MergedView) -> ViewOut:
        return cls(
            user_id=view.user_id,
            batch_version=view.batch_version,
            batch_as_of=view.batch_as_of,
            batch_age_seconds=view.batch_age.total_seconds() if view.batch_age else None,
            batch=_json_values(view.batch),
            realtime=_json_values(view.realtime),
            realtime_age_seconds={k: v.total_seconds() for k, v in view.realtime_age.items()},
            stale_features=list(view.stale_features),
            score=view.score,
            model_version=view.model_version,
            segments=list(view.segments),
        )


def _json_values(values: object) -> dict[str, JsonValue]:
    out: dict[str, JsonValue] = {}
    for k, v in dict(values).items():  # type: ignore[call-overload]
        out[str(k)] = v.isoformat() if isinstance(v, date | datetime) else v
    return out


class HealthOut(_Body):
    status: str = Field(description="ok or unavailable")
    checks: dict[str, str] = Field(description="per dependency: ok, or the error")
