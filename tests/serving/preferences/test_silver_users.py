"""Seeding preferences from a ``silver.users``-shaped Delta table written with delta-rs."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from serving.preferences import InMemoryPreferenceStore, PreferenceError
from serving.preferences.silver_users import import_silver_users


def test_current_rows_become_preferences(tmp_path: Path) -> None:
    table = pa.table(
        {
            "user_id": ["u1", "u1", "u2"],
            "locale": ["en-US", "es-ES", "fr-FR"],
            "timezone": ["America/New_York", "Europe/Madrid", "Europe/Paris"],
            "email": ["old@x.com", "u1@x.com", None],
            "phone": [None, "+34555", None],
            "push_token": [None, None, "tok2"],
            "consent_email": [True, True, False],
            "consent_push": [False, False, True],
            "consent_sms": [False, True, False],
            "consent_in_app": [True, True, True],
            "is_current": [False, True, True],
        }
    )
    write_deltalake(str(tmp_path / "users"), table)
    store = InMemoryPreferenceStore()
    assert import_silver_users(store, table_uri=str(tmp_path / "users")) == 2
    u1, u2 = store.get("u1"), store.get("u2")
    assert u1 is not None and u2 is not None
    assert (u1.locale, u1.timezone) == ("es-ES", "Europe/Madrid")
    assert u1.contacts == {"email": "u1@x.com", "sms": "+34555"}
    assert u1.consent == {"email": True, "push": False, "sms": True, "in_app": True}
    assert u2.contacts == {"push": "tok2"} and u2.consent["push"]


def test_a_missing_table_is_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(PreferenceError, match="no Delta table"):
        import_silver_users(InMemoryPreferenceStore(), table_uri=str(tmp_path / "nope"))
