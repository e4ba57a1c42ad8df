"""The names a rule condition may read, typed from the event contract and ``feature_store``.

``event.<field>`` and ``event.properties.<name>`` (a property every triggering type
requires), ``rt.<streaming feature>`` (the real-time view, as of the event), ``batch.<batch
feature>`` (the published batch view) and, in window rules, ``window.count``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clarion.events import REQUIRED_PROPERTIES
from clarion.expressions import ValueType
from feature_store import Feature, FeatureRegistry, Source

__all__ = ["EVENT_FIELDS", "RuleNames", "coerce_batch_value"]

EVENT_FIELDS: dict[str, ValueType] = {
    "event_id": "string",
    "user_id": "string",
    "type": "string",
    "ts": "number",
}
_DTYPES: dict[str, ValueType] = {
    "int64": "number",
    "double": "number",
    "boolean": "boolean",
    "timestamp": "number",
    "map<string,double>": "map",
}


def _property_type(types: tuple[type, ...]) -> ValueType:
    if bool in types:
        return "boolean"
    return "number" if (int in types or float in types) else "string"


@dataclass(frozen=True)
class RuleNames:
    """The catalog of one rule: which names exist for its triggering types and kind."""

    event_types: tuple[str, ...]
    features: FeatureRegistry
    realtime: bool = True
    window: bool = False

    def resolve(self, path: tuple[str, ...]) -> ValueType:
        head, dotted = path[0], ".".join(path)
        if head == "event":
            return self._event(path, dotted)
        if head in ("rt", "batch"):
            if head == "rt" and not self.realtime:
                raise LookupError(
                    f"{dotted!r}: an absence rule's condition and payload are "
                    "evaluated when its timer is set and may read event.* and "
                    "batch.* only"
                )
            source: Source = "streaming" if head == "rt" else "batch"
            if len(path) != 2 or path[1] not in self.features.names(source):
                known = ", ".join(self.features.names(source)[:8])
                raise LookupError(
                    f"unknown {source} feature {dotted!r} (declared in "
                    f"feature_store; e.g. {known}, …)"
                )
            return _DTYPES[self.features.get(path[1]).dtype]
        if head == "window" and self.window and path == ("window", "count"):
            return "number"
        extra = ", window.count" if self.window else ""
        raise LookupError(f"unknown name {dotted!r}: names are event.*, rt.*, batch.*{extra}")

    def _event(self, path: tuple[str, ...], dotted: str) -> ValueType:
        if len(path) == 2 and path[1] in EVENT_FIELDS:
            return EVENT_FIELDS[path[1]]
        if len(path) == 3 and path[1] == "properties":
            missing = [t for t in self.event_types if path[2] not in REQUIRED_PROPERTIES[t]]
            if missing:
                raise LookupError(
                    f"{dotted!r}: not a required property of {', '.join(missing)}"
                    " (clarion.events.REQUIRED_PROPERTIES)"
                )
            return _property_type(REQUIRED_PROPERTIES[self.event_types[0]][path[2]])
        fields = ", ".join(f"event.{f}" for f in EVENT_FIELDS)
        raise LookupError(
            f"unknown event field {dotted!r}; known: {fields}, event.properties.<name>"
        )


def coerce_batch_value(feature: Feature, raw: str) -> Any:
    """A batch view string as the typed value the conditions expect; ``None`` if unreadable."""
    kind = _DTYPES[feature.dtype]
    try:
        if kind == "number" and feature.dtype == "timestamp":
            if raw.replace(".", "", 1).lstrip("-").isdigit():
                return float(raw)
            return datetime.fromisoformat(raw).timestamp()
        if kind == "number":
            value = float(raw)
            return int(value) if feature.dtype == "int64" and value.is_integer() else value
        if kind == "boolean":
            return {"true": True, "1": True, "false": False, "0": False}.get(raw.lower())
        parsed = json.loads(raw)
        return parsed if isinstance(parsed, dict) else None
    except (ValueError, OverflowError):
        return None


def coerce_batch(
    features: FeatureRegistry, raw: Mapping[str, str] | None, names: Iterable[str]
) -> dict[str, Any]:
    """The typed values of ``names`` from one user's raw batch view (missing names absent)."""
    if not raw:
        return {}
    out: dict[str, Any] = {}
    for name in names:
        text = raw.get(name)
        if text is not None and name in features:
            value = coerce_batch_value(features.get(name), text)
            if not (isinstance(value, float) and not math.isfinite(value)):
                out[name] = value
    return out
