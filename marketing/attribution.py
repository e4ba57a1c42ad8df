"""Attribute conversion events to the campaign send that preceded them.

A recipient's conversions count for a campaign when they fall in the
attribution window ``[sent_at, sent_at + window)``: a conversion at the very
moment of the send counts, one exactly ``window`` later does not (so
back-to-back windows never count an event twice), and one before the send
never counts. Holdout recipients get no message; their ``sent_at`` is the
would-be send time, so both arms are measured over the same window.

The first conversion in the window makes the recipient *converted*; every
amount in the window adds to their revenue.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from marketing.exceptions import OutcomesFrameError

__all__ = ["DEFAULT_ATTRIBUTION_WINDOW", "attribute_conversions"]

DEFAULT_ATTRIBUTION_WINDOW = timedelta(days=14)
_SEND_COLUMNS = ("recipient_id", "variant", "sent_at")
_CONVERSION_COLUMNS = ("user_id", "ts", "amount")


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise OutcomesFrameError(
            f"{name} frame lacks column(s) {missing}; it needs {list(columns)}"
        )


def _timestamp_kind(series: pd.Series, name: str) -> str:
    if not pd.api.types.is_datetime64_any_dtype(series):
        raise OutcomesFrameError(f"{name} must be a datetime column, got dtype {series.dtype}")
    return "aware" if isinstance(series.dtype, pd.DatetimeTZDtype) else "naive"


def attribute_conversions(
    sends: pd.DataFrame,
    conversions: pd.DataFrame,
    *,
    window: timedelta | pd.Timedelta = DEFAULT_ATTRIBUTION_WINDOW,
) -> pd.DataFrame:
    """Turn sends and conversion events into a per-recipient outcomes frame.

    Args:
        sends: One row per recipient: ``recipient_id``, ``variant``, ``sent_at``
            (the would-be send time for holdout rows) and optionally
            ``is_holdout``; other columns are carried through.
        conversions: Conversion events: ``user_id``, ``ts``, ``amount``. Events
            of users who were not sent to are ignored; a missing amount
            counts as a conversion with no revenue.
        window: Length of the attribution window after the send.

    Returns:
        ``sends`` with ``converted`` (0/1), ``conversions`` (events in the
        window), ``first_conversion_at`` (NaT if none) and ``revenue`` (sum of
        amounts in the window) — a frame :mod:`marketing.measurement` accepts.

    Raises:
        OutcomesFrameError: A column is missing, timestamps are not datetimes
            or mix timezone-aware and naive values, a recipient is sent to twice,
            or the window is not positive.
    """
    _require(sends, _SEND_COLUMNS, "sends")
    _require(conversions, _CONVERSION_COLUMNS, "conversions")
    window = pd.Timedelta(window)
    if window <= pd.Timedelta(0):
        raise OutcomesFrameError(f"attribution window must be positive, got {window}")
    if _timestamp_kind(sends["sent_at"], "sends.sent_at") != _timestamp_kind(
        conversions["ts"], "conversions.ts"
    ):
        raise OutcomesFrameError(
            "sends.sent_at and conversions.ts must both be timezone-aware or both naive"
        )
    duplicated = sends["recipient_id"].duplicated()
    if duplicated.any():
        examples = sends.loc[duplicated, "recipient_id"].head(3).tolist()
        raise OutcomesFrameError(
            f"each recipient must be sent to once per campaign; repeated: {examples}"
        )

    events = conversions[list(_CONVERSION_COLUMNS)].rename(columns={"user_id": "recipient_id"})
    try:
        events["amount"] = pd.to_numeric(events["amount"]).astype("float64")
    except (TypeError, ValueError) as error:
        raise OutcomesFrameError(f"conversions.amount must be numeric: {error}") from error
    joined = sends[["recipient_id", "sent_at"]].merge(events, on="recipient_id", how="inner")
    in_window = (joined["ts"] >= joined["sent_at"]) & (joined["ts"] < joined["sent_at"] + window)
    attributed = (
        joined.loc[in_window]
        .groupby("recipient_id", sort=False)
        .agg(
            conversions=("ts", "size"),
            first_conversion_at=("ts", "min"),
            revenue=("amount", "sum"),
        )
        .reset_index()
    )
    outcomes = sends.merge(attributed, on="recipient_id", how="left")
    outcomes["conversions"] = outcomes["conversions"].fillna(0).astype("int64")
    outcomes["revenue"] = outcomes["revenue"].fillna(0.0)
    outcomes["converted"] = (outcomes["conversions"] > 0).astype("int64")
    return outcomes
