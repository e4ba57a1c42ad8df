"""The recipient facts the dispatcher decides by: stored preferences merged with the view.

Preferences are the user's own word and win. Where they hold no answer for a
channel, the batch view's ``reachable_<channel>`` feature (consent and a contact
point in ``silver.users`` as of the last batch run) stands in for consent; a
send still needs a contact point, which only preferences hold. ``in_app`` is
always reachable: its address is the user's own inbox.
"""

from __future__ import annotations

from typing import get_args

from clarion.events import Channel
from serving.dispatch.intent import Recipient
from serving.preferences.model import Preferences
from serving.view.merged import MergedView

__all__ = ["recipient_facts"]

_CHANNELS: tuple[Channel, ...] = get_args(Channel)


def recipient_facts(
    user_id: str, *, preferences: Preferences | None, view: MergedView | None
) -> Recipient:
    """One :class:`Recipient` from what is known (either part may be missing).

    >>> recipient_facts("u1", preferences=None, view=None).consent
    {}
    """
    prefs = preferences or Preferences(user_id=user_id)
    consent: dict[Channel, bool] = {}
    for channel in _CHANNELS:
        if channel in prefs.consent:
            consent[channel] = prefs.consent[channel]
        elif view is not None and view.batch.get(f"reachable_{channel}") is True:
            consent[channel] = True
    contacts = {**prefs.contacts, "in_app": user_id}
    return Recipient(
        user_id=user_id,
        timezone=prefs.timezone,
        locale=prefs.locale,
        opted_out=prefs.opted_out,
        consent=consent,
        contacts=contacts,
        cap_override=prefs.cap_override,
    )
