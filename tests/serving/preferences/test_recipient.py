"""Recipient facts: preferences win; the batch view's reachability fills in unanswered consent."""

from __future__ import annotations

from datetime import timedelta

from serving.preferences import Preferences, recipient_facts
from serving.view import MergedView


def _view(**batch: object) -> MergedView:
    return MergedView(
        user_id="u1",
        batch=batch,  # type: ignore[arg-type]
        batch_version="v1",
        batch_as_of=None,
        batch_age=timedelta(0),
        realtime={},
        realtime_age={},
        stale={},
    )


def test_preferences_win_over_batch_reachability() -> None:
    prefs = Preferences(user_id="u1", consent={"email": False}, contacts={"email": "a@x"})
    got = recipient_facts(
        "u1", preferences=prefs, view=_view(reachable_email=True, reachable_push=True)
    )
    assert got.consent == {"email": False, "push": True}
    assert not got.consents_to("email") and got.consents_to("push")
    assert got.reachable_on("email") and not got.reachable_on("push")


def test_unknown_user_has_no_consent_but_an_inbox() -> None:
    got = recipient_facts("u1", preferences=None, view=_view(reachable_sms=False))
    assert got.consent == {} and got.contacts == {"in_app": "u1"}
    assert (got.timezone, got.locale, got.opted_out) == ("UTC", "en", False)
