"""The intent wire format on ``notify.intents`` (message key = user id), read and written.

One JSON object per message, as the speed layer and the campaign fan-out write it::

    {"intent_id": "…", "user_id": "u1", "source": "trigger", "source_id": "cart_abandoned",
     "priority": "triggered", "channels": ["push", "email"], "payload": {…},
     "idempotency_key": "cart_abandoned:e-123", "event_time": "2026-…Z",
     "created_at": "2026-…Z", "ttl_seconds": 3600, "send_after": "2026-…Z"}

``event_time``, ``ttl_seconds`` (null: the class default) and ``send_after`` are
optional; fields this reader does not know are ignored, so writers may add some.
Anything else wrong is an :class:`IntentFormatError` with a short reason code
(``not_json``, ``not_an_object``, ``invalid``) that goes to the dead-letter topic.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Final

from pydantic import ValidationError

from serving.dispatch.exceptions import IntentFormatError
from serving.dispatch.intent import Intent

__all__ = ["MAX_INTENT_BYTES", "encode_intent", "parse_intent"]

MAX_INTENT_BYTES: Final = 256 * 1024

_FIELDS: Final = (
    "intent_id",
    "user_id",
    "source",
    "source_id",
    "priority",
    "channels",
    "payload",
    "idempotency_key",
    "event_time",
    "created_at",
    "send_after",
)


def parse_intent(raw: bytes | str | None) -> Intent:
    """One wire message into an :class:`Intent`.

    Raises:
        IntentFormatError: not JSON, not an object, too big, or a field is invalid
            (the detail names every bad field).
    """
    if raw is None:
        raise IntentFormatError("not_json", "the message has no value (a tombstone?)")
    if len(raw) > MAX_INTENT_BYTES:
        raise IntentFormatError("oversized", f"{len(raw)} bytes > {MAX_INTENT_BYTES}")
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise IntentFormatError("not_json", str(exc)) from None
    if not isinstance(doc, dict):
        raise IntentFormatError(
            "not_an_object", f"expected a JSON object, got {type(doc).__name__}"
        )
    values: dict[str, Any] = {name: doc[name] for name in _FIELDS if doc.get(name) is not None}
    ttl = doc.get("ttl_seconds")
    if ttl is not None:
        if isinstance(ttl, bool) or not isinstance(ttl, int | float) or ttl <= 0:
            raise IntentFormatError("invalid", f"ttl_seconds: a positive number, got {ttl!r}")
        values["ttl"] = timedelta(seconds=ttl)
    if isinstance(values.get("channels"), list):
        values["channels"] = tuple(values["channels"])
    try:
        return Intent.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(intent)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise IntentFormatError("invalid", problems) from None


def encode_intent(intent: Intent) -> bytes:
    """The wire form of an intent (what :func:`parse_intent` reads back)."""
    doc: dict[str, Any] = json.loads(intent.model_dump_json(exclude={"ttl"}, exclude_none=True))
    doc["ttl_seconds"] = intent.ttl.total_seconds() if intent.ttl is not None else None
    return json.dumps(doc, separators=(",", ":")).encode()
