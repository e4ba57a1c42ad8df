"""A user's preferences and consent, stored in Redis, and the recipient facts built from them.

>>> store = InMemoryPreferenceStore()
>>> store.update("u1", PreferencesUpdate(consent={"email": True})).consent
{'email': True}
"""

from serving.preferences.exceptions import PreferenceError
from serving.preferences.model import (
    DEFAULT_LOCALE,
    DEFAULT_TIMEZONE,
    Preferences,
    PreferencesUpdate,
)
from serving.preferences.recipient import recipient_facts
from serving.preferences.store import (
    InMemoryPreferenceStore,
    PreferenceStore,
    RedisPreferenceStore,
    preference_key,
)

__all__ = [
    "DEFAULT_LOCALE",
    "DEFAULT_TIMEZONE",
    "InMemoryPreferenceStore",
    "PreferenceError",
    "PreferenceStore",
    "Preferences",
    "PreferencesUpdate",
    "RedisPreferenceStore",
    "preference_key",
    "recipient_facts",
]
