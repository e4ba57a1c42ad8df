"""Validate one raw message against its versioned schema: a :class:`ValidEvent` or an
:class:`Invalid` with a reason. :func:`validate` never raises on any input.

>>> from speed_layer.models.messages import SourceMessage
>>> raw = b'{"schema_version":1,"event_id":"e1","user_id":"u1","type":"app_open",' \\
...       b'"ts":"2026-01-01T00:00:00.000Z","properties":{}}'
>>> validate(SourceMessage("events", 0, 7, b"u1", raw), now_ms=1_800_000_000_000).ts_ms
1767225600000
>>> validate(SourceMessage("events", 0, 8, b"u1", b"{"), now_ms=0).reason
'bad_json'
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from speed_layer.models.messages import SourceMessage
from speed_layer.models.schemas import SCHEMAS

__all__ = ["Invalid", "InvalidReason", "ValidEvent", "validate"]

InvalidReason = Literal[
    "oversized",
    "bad_encoding",
    "bad_json",
    "not_an_object",
    "missing_field",
    "wrong_type",
    "unknown_schema_version",
    "unknown_event_type",
    "bad_timestamp",
    "future_timestamp",
    "bad_user_id",
    "key_mismatch",
]

# User ids become Redis Cluster hash tags ({u123}): no braces, no whitespace.
_USER_ID = re.compile(r"^[^{}\s]{1,128}$")
_EVENT_ID = re.compile(r"^[^\s|]{1,128}$")
_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")
_FIELDS: dict[str, type] = {
    "schema_version": int,
    "event_id": str,
    "user_id": str,
    "type": str,
    "ts": str,
    "properties": dict,
}


@dataclass(frozen=True, slots=True)
class ValidEvent:
    """An event that passed validation; ``ts_ms`` is milliseconds since the epoch (UTC)."""

    event_id: str
    user_id: str
    type: str
    ts_ms: int
    properties: dict[str, Any] = field(default_factory=dict)
    schema_version: int = 1


@dataclass(frozen=True, slots=True)
class Invalid:
    """Why a message was rejected: a stable ``reason`` code and a human ``detail``."""

    reason: InvalidReason
    detail: str


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)  # one, not one per message


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def validate(
    message: SourceMessage, *, now_ms: int, max_bytes: int = 65536, future_skew_ms: int = 300_000
) -> ValidEvent | Invalid:
    """Classify ``message``: valid against its schema version, or invalid with the reason."""
    raw = message.value
    if raw is None:
        return Invalid("not_an_object", "the message has no value (a tombstone)")
    if len(raw) > max_bytes:
        return Invalid("oversized", f"{len(raw)} bytes, more than the limit of {max_bytes}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Invalid("bad_encoding", f"not UTF-8: {exc.reason} at byte {exc.start}")
    try:
        doc = _DECODER.decode(text)
    except (ValueError, RecursionError) as exc:
        return Invalid("bad_json", str(exc)[:200])
    if not isinstance(doc, dict):
        return Invalid("not_an_object", f"a JSON {type(doc).__name__}, not an object")
    return _check_fields(doc, message, now_ms=now_ms, future_skew_ms=future_skew_ms)


def _field_problem(doc: dict[str, Any]) -> Invalid | None:
    for name, kind in _FIELDS.items():
        if name not in doc:
            return Invalid("missing_field", f"no {name!r}")
        value = doc[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return Invalid("wrong_type", f"{name!r} must be {kind.__name__}, got {value!r:.60}")
    return None


def _check_fields(
    doc: dict[str, Any], message: SourceMessage, *, now_ms: int, future_skew_ms: int
) -> ValidEvent | Invalid:
    get = doc.get
    if not (  # the usual case in one test; the loop says what is wrong otherwise
        type(get("schema_version")) is int
        and type(get("event_id")) is str
        and type(get("user_id")) is str
        and type(get("type")) is str
        and type(get("ts")) is str
        and type(get("properties")) is dict
    ):
        problem = _field_problem(doc)
        if problem is not None:
            return problem
    schema = SCHEMAS.get(doc["schema_version"])
    if schema is None:
        known = sorted(SCHEMAS)
        return Invalid("unknown_schema_version", f"{doc['schema_version']}; known: {known}")
    user_id, event_id, kind_name = doc["user_id"], doc["event_id"], doc["type"]
    if not _USER_ID.match(user_id):
        return Invalid("bad_user_id", "user_id must be 1-128 chars, no braces or whitespace")
    if not _EVENT_ID.match(event_id):
        return Invalid("wrong_type", "event_id must be 1-128 chars, no '|' or whitespace")
    if message.key is None or message.key != user_id.encode():
        return Invalid("key_mismatch", f"the message key {message.key!r:.60} is not the user id")
    required = schema.required_properties.get(kind_name)
    if required is None:
        return Invalid("unknown_event_type", f"{kind_name!r:.60} in schema v{schema.version}")
    props = doc["properties"]
    for prop, types in required.items():
        if prop not in props:
            return Invalid("missing_field", f"a {kind_name} needs properties.{prop}")
        value = props[prop]
        if float in types or int in types:
            ok = _is_number(value) and not (isinstance(value, float) and not math.isfinite(value))
        else:
            ok = isinstance(value, types)
        if not ok:
            return Invalid("wrong_type", f"properties.{prop} has the wrong type: {value!r:.60}")
    ts = doc["ts"]
    if not _TS.match(ts):
        return Invalid("bad_timestamp", f"{ts!r:.60} is not ISO-8601 with a timezone")
    try:
        ts_ms = round(datetime.fromisoformat(ts).timestamp() * 1000)
    except (ValueError, OverflowError) as exc:
        return Invalid("bad_timestamp", f"{ts!r:.60}: {exc}")
    if ts_ms > now_ms + future_skew_ms:
        ahead = (ts_ms - now_ms) / 1000
        return Invalid("future_timestamp", f"{ts} is {ahead:.0f}s ahead of the consumer clock")
    return ValidEvent(event_id, user_id, kind_name, ts_ms, props, schema.version)
