"""A user's preferences: consent per channel, global opt-out, contact points, locale, zone, caps.

:class:`Preferences` is what is stored; :class:`PreferencesUpdate` is a partial
change (a field left out is unchanged). Both are frozen pydantic models, so the
HTTP API can take an update as its request body and return preferences as is.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from clarion.events import Channel
from serving.dispatch._types import TimeZoneName
from serving.dispatch.policy import FrequencyCap

__all__ = ["DEFAULT_LOCALE", "DEFAULT_TIMEZONE", "Preferences", "PreferencesUpdate"]

DEFAULT_LOCALE = "en"
DEFAULT_TIMEZONE = "UTC"
_USER_ID = r"^[^{}\s]+$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Preferences(_Frozen):
    """What a user told us (or what was imported from ``silver.users``).

    A channel missing from ``consent`` has no recorded answer (the dispatcher may
    fall back on the batch view's reachability); ``cap_override`` replaces the
    policy's frequency caps for this user when set.
    """

    user_id: str = Field(pattern=_USER_ID)
    opted_out: bool = False
    consent: dict[Channel, bool] = Field(default_factory=dict)
    contacts: dict[Channel, str] = Field(default_factory=dict)
    locale: str = Field(default=DEFAULT_LOCALE, min_length=2)
    timezone: TimeZoneName = DEFAULT_TIMEZONE
    cap_override: tuple[FrequencyCap, ...] | None = None
    updated_at: AwareDatetime | None = None

    def apply(self, change: PreferencesUpdate, *, at: datetime | None = None) -> Preferences:
        """These preferences with ``change`` applied (pure; the stores do the same atomically)."""
        data = self.model_dump()
        given = change.model_fields_set
        for name in ("opted_out", "locale", "timezone"):
            if name in given and getattr(change, name) is not None:
                data[name] = getattr(change, name)
        if "consent" in given and change.consent:
            data["consent"] = {**self.consent, **change.consent}
        if "contacts" in given and change.contacts:
            contacts = {**self.contacts, **change.contacts}
            data["contacts"] = {ch: addr for ch, addr in contacts.items() if addr}
        if "cap_override" in given:
            data["cap_override"] = change.cap_override
        data["updated_at"] = at or datetime.now(UTC)
        return Preferences.model_validate(data)


class PreferencesUpdate(_Frozen):
    """A partial change. Left-out fields stay as they are; in ``contacts`` an empty string or
    null removes that contact point; ``cap_override: null`` given explicitly clears it."""

    opted_out: bool | None = None
    consent: dict[Channel, bool] | None = None
    contacts: dict[Channel, str | None] | None = None
    locale: str | None = Field(default=None, min_length=2)
    timezone: TimeZoneName | None = None
    cap_override: tuple[FrequencyCap, ...] | None = None
