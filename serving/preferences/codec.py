"""Preferences as the fields of one Redis hash, and back.

Field names: ``opted_out``, ``consent:<channel>``, ``contact:<channel>``,
``locale``, ``timezone``, ``caps`` (JSON list of ``{"window": "24h", "limit": 3}``)
and ``updated_at`` (ISO 8601). Booleans are ``"1"``/``"0"``. A partial update
becomes fields to set and fields to delete, so it needs no read first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import get_args

from pydantic import ValidationError

from clarion.events import Channel
from serving.dispatch._types import format_duration
from serving.dispatch.policy import FrequencyCap
from serving.preferences.exceptions import PreferenceError
from serving.preferences.model import Preferences, PreferencesUpdate

__all__ = ["decode_fields", "encode_preferences", "encode_update"]

_CHANNELS: tuple[Channel, ...] = get_args(Channel)
CAPS = "caps"
_CONSENT, _CONTACT = "consent:", "contact:"


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _caps_json(caps: tuple[FrequencyCap, ...]) -> str:
    return json.dumps([{"window": format_duration(c.window), "limit": c.limit} for c in caps])


def encode_preferences(prefs: Preferences) -> dict[str, str]:
    """Every field of a full record (what a bulk import writes)."""
    fields = {
        "opted_out": _flag(prefs.opted_out),
        "locale": prefs.locale,
        "timezone": prefs.timezone,
        **{_CONSENT + ch: _flag(ok) for ch, ok in prefs.consent.items()},
        **{_CONTACT + ch: addr for ch, addr in prefs.contacts.items()},
    }
    if prefs.cap_override is not None:
        fields[CAPS] = _caps_json(prefs.cap_override)
    if prefs.updated_at is not None:
        fields["updated_at"] = prefs.updated_at.isoformat()
    return fields


def encode_update(change: PreferencesUpdate, *, at: datetime) -> tuple[dict[str, str], list[str]]:
    """``(fields to set, fields to delete)`` for a partial update."""
    given = change.model_fields_set
    put: dict[str, str] = {"updated_at": at.isoformat()}
    drop: list[str] = []
    if change.opted_out is not None:
        put["opted_out"] = _flag(change.opted_out)
    for name in ("locale", "timezone"):
        value = getattr(change, name)
        if value is not None:
            put[name] = value
    for ch, ok in (change.consent or {}).items():
        put[_CONSENT + ch] = _flag(ok)
    for ch, addr in (change.contacts or {}).items():
        if addr and addr.strip():
            put[_CONTACT + ch] = addr.strip()
        else:
            drop.append(_CONTACT + ch)
    if "cap_override" in given:
        if change.cap_override is None:
            drop.append(CAPS)
        else:
            put[CAPS] = _caps_json(change.cap_override)
    return put, drop


def decode_fields(user_id: str, raw: Mapping[bytes | str, bytes | str]) -> Preferences:
    """A stored hash back into :class:`Preferences`; unknown fields are ignored."""
    fields = {_text(k): _text(v) for k, v in raw.items()}
    data: dict[str, object] = {
        "user_id": user_id,
        "opted_out": fields.get("opted_out") == "1",
        "consent": {
            ch: fields[_CONSENT + ch] == "1" for ch in _CHANNELS if _CONSENT + ch in fields
        },
        "contacts": {ch: fields[_CONTACT + ch] for ch in _CHANNELS if _CONTACT + ch in fields},
    }
    for name in ("locale", "timezone", "updated_at"):
        if name in fields:
            data[name] = fields[name]
    try:
        if CAPS in fields:
            data["cap_override"] = json.loads(fields[CAPS])
        return Preferences.model_validate(data)
    except (ValueError, ValidationError) as exc:
        raise PreferenceError(f"stored preferences of {user_id!r} are invalid: {exc}") from exc


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
