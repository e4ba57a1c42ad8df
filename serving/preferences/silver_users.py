"""Seed preferences from ``silver.users`` (the current row of each user), read with delta-rs.

``silver.users`` holds what the product knows at sign-up and since: locale, time zone,
e-mail, phone, push token and ``consent_<channel>`` per channel. Importing it gives the
dispatcher contact points and consent before any user has touched their preferences.
Run it again after a batch: records are replaced whole, so a user's later edits through
the API win only until the next import — import once, then let the API own them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from serving.preferences.exceptions import PreferenceError
from serving.preferences.model import DEFAULT_LOCALE, DEFAULT_TIMEZONE, Preferences
from serving.preferences.store import PreferenceStore

__all__ = ["import_silver_users", "preferences_from_rows"]

# channel -> (consent column, contact column); in_app needs no contact point.
_COLUMNS: Final = {
    "email": ("consent_email", "email"),
    "push": ("consent_push", "push_token"),
    "sms": ("consent_sms", "phone"),
    "in_app": ("consent_in_app", None),
}


def preferences_from_rows(rows: Iterator[Mapping[str, Any]]) -> Iterator[Preferences]:
    """One :class:`Preferences` per ``silver.users`` row (missing columns are skipped)."""
    for row in rows:
        consent: dict[str, bool] = {}
        contacts: dict[str, str] = {}
        for channel, (consent_col, contact_col) in _COLUMNS.items():
            if row.get(consent_col) is not None:
                consent[channel] = bool(row[consent_col])
            address = row.get(contact_col) if contact_col else None
            if address:
                contacts[channel] = str(address)
        yield Preferences.model_validate(
            {
                "user_id": row["user_id"],
                "consent": consent,
                "contacts": contacts,
                "locale": row.get("locale") or DEFAULT_LOCALE,
                "timezone": row.get("timezone") or DEFAULT_TIMEZONE,
            }
        )


def import_silver_users(store: PreferenceStore, *, table_uri: str, batch_rows: int = 50_000) -> int:
    """Write every current user of the Delta table at ``table_uri``; return how many."""
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    try:
        dataset = DeltaTable(table_uri).to_pyarrow_dataset()
    except TableNotFoundError as exc:
        raise PreferenceError(
            f"{table_uri}: no Delta table there; run the batch pipeline (silver.users) first"
        ) from exc
    names = set(dataset.schema.names)
    columns = [
        c
        for c in (
            "user_id",
            "locale",
            "timezone",
            "email",
            "phone",
            "push_token",
            *(f"consent_{ch}" for ch in _COLUMNS),
        )
        if c in names
    ]
    current = None
    if "is_current" in names:
        import pyarrow.dataset as ds

        current = ds.field("is_current")
    written = 0
    for batch in dataset.to_batches(columns=columns, filter=current, batch_size=batch_rows):
        written += store.put_many(preferences_from_rows(iter(batch.to_pylist())))
    return written
