"""Values as text in the serving stores, and back, per declared dtype.

The Redis batch view and the Cassandra durable copy hold every value as text:
integers and doubles as decimal text (doubles in Python's shortest round-trip
form), booleans ``"1"``/``"0"``, timestamps as ISO 8601 in UTC, maps as compact
JSON with sorted keys. Nulls, NaN and infinities are *omitted* (``None`` here).

>>> encode_value("boolean", True), encode_value("double", 0.1), encode_value("int64", None)
('1', '0.1', None)
>>> encode_value("map<string,double>", [("b", 2.0), ("a", 0.5)])
'{"a":0.5,"b":2.0}'
>>> decode_value("map<string,double>", '{"a":0.5}'), decode_value("boolean", "0")
({'a': 0.5}, False)
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from feature_store import DType
from serving.stores.exceptions import StoreError

__all__ = ["decode_value", "encode_json_list", "encode_value"]

Value = int | float | bool | datetime | dict[str, float]


def encode_value(dtype: DType, value: Any) -> str | None:
    """The text stored for ``value`` of type ``dtype``; ``None`` means "omit the field"."""
    if value is None:
        return None
    if dtype == "int64":
        return str(int(value))
    if dtype == "double":
        number = float(value)
        return repr(number) if math.isfinite(number) else None
    if dtype == "boolean":
        return "1" if value else "0"
    if dtype == "timestamp":
        if not isinstance(value, datetime):
            raise StoreError(f"a timestamp value must be a datetime, got {value!r}")
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat()
    if dtype == "map<string,double>":
        pairs = value.items() if isinstance(value, Mapping) else value
        clean = {str(k): float(v) for k, v in pairs if v is not None and math.isfinite(float(v))}
        return json.dumps(dict(sorted(clean.items())), separators=(",", ":"))
    raise StoreError(f"no text encoding for dtype {dtype!r}")


def decode_value(dtype: DType, text: str | bytes) -> Value:
    """The typed value of a stored text (the inverse of :func:`encode_value`)."""
    raw = text.decode() if isinstance(text, bytes) else text
    try:
        if dtype == "int64":
            return int(raw)
        if dtype == "double":
            return float(raw)
        if dtype == "boolean":
            return raw == "1"
        if dtype == "timestamp":
            return datetime.fromisoformat(raw)
        if dtype == "map<string,double>":
            return {str(k): float(v) for k, v in json.loads(raw).items()}
    except (ValueError, AttributeError) as exc:
        raise StoreError(f"stored text {raw!r} is not a valid {dtype}") from exc
    raise StoreError(f"no text encoding for dtype {dtype!r}")


def encode_json_list(items: Iterable[str]) -> str:
    """A sorted, de-duplicated compact JSON list (the ``segments`` field).

    >>> encode_json_list(["vip", "churn_risk", "vip"])
    '["churn_risk","vip"]'
    """
    return json.dumps(sorted(set(items)), separators=(",", ":"))


def encode_date(day: date) -> str:
    return day.isoformat()
