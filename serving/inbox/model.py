"""Rows of the two per-user Cassandra tables: :class:`InboxItem` and :class:`DecisionRecord`."""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, JsonValue

from serving.dispatch.decision import Decision
from serving.outbound import OutboundMessage

__all__ = ["DecisionRecord", "InboxItem"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class InboxItem(_Frozen):
    """One notification in a user's inbox (every send, whatever its channel)."""

    user_id: str
    notification_id: str
    sent_at: AwareDatetime
    channel: str
    subject: str | None
    body: str
    source: str
    source_id: str
    priority: str
    variant: str | None = None
    data: dict[str, JsonValue] = {}

    @classmethod
    def of(cls, message: OutboundMessage) -> InboxItem:
        return cls(
            user_id=message.user_id,
            notification_id=message.notification_id,
            sent_at=message.decided_at,
            channel=message.channel,
            subject=message.subject,
            body=message.body,
            source=message.source,
            source_id=message.source_id,
            priority=message.priority,
            variant=message.variant,
            data=message.data,
        )


class DecisionRecord(_Frozen):
    """One decision as the log keeps it: the :class:`Decision` plus where the intent came from."""

    decision: Decision
    source: str
    source_id: str

    @property
    def user_id(self) -> str:
        return self.decision.user_id

    @property
    def decided_at(self) -> datetime:
        return self.decision.decided_at

    def inputs_json(self) -> str:
        return json.dumps(self.decision.inputs, separators=(",", ":"), sort_keys=True)
