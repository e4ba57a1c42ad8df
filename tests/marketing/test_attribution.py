"""Attributing conversion events to sends, on hand-made frames."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from marketing.attribution import attribute_conversions
from marketing.exceptions import OutcomesFrameError
from marketing.measurement import summarise_arms

SEND = pd.Timestamp("2026-03-01 09:00", tz="UTC")
WINDOW = timedelta(days=7)


def _sends(*recipients: tuple[str, str, bool]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "recipient_id": [r for r, _, _ in recipients],
            "variant": [v for _, v, _ in recipients],
            "is_holdout": [h for _, _, h in recipients],
            "sent_at": [SEND] * len(recipients),
        }
    )


def _conversions(*events: tuple[str, pd.Timestamp, float | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": [u for u, _, _ in events],
            "ts": pd.to_datetime([t for _, t, _ in events], utc=True),
            "amount": [a for _, _, a in events],
        }
    )


def _by_recipient(outcomes: pd.DataFrame) -> dict[str, dict[str, object]]:
    rows: dict[str, dict[str, object]] = outcomes.set_index("recipient_id").to_dict(orient="index")
    return rows


def test_the_window_starts_at_the_send_and_excludes_its_end() -> None:
    sends = _sends(
        ("before", "a", False),
        ("at_send", "a", False),
        ("at_edge", "a", False),
        ("just_inside", "a", False),
        ("silent", "a", False),
    )
    conversions = _conversions(
        ("before", SEND - timedelta(seconds=1), 10.0),
        ("at_send", SEND, 20.0),
        ("at_edge", SEND + WINDOW, 30.0),
        ("just_inside", SEND + WINDOW - timedelta(microseconds=1), 40.0),
        ("stranger", SEND + timedelta(hours=1), 50.0),
    )
    result = _by_recipient(attribute_conversions(sends, conversions, window=WINDOW))
    converted = {r: row["converted"] for r, row in result.items()}
    assert converted == {"before": 0, "at_send": 1, "at_edge": 0, "just_inside": 1, "silent": 0}
    assert result["before"]["revenue"] == 0.0 and result["at_edge"]["revenue"] == 0.0
    assert result["just_inside"]["revenue"] == 40.0
    assert pd.isna(result["silent"]["first_conversion_at"])
    assert "stranger" not in result


def test_several_conversions_convert_once_and_add_up() -> None:
    first = SEND + timedelta(days=1)
    conversions = _conversions(
        ("u", SEND + timedelta(days=3), 5.0),
        ("u", first, 10.0),
        ("u", SEND + timedelta(days=6), 2.5),
        ("u", SEND + timedelta(days=8), 100.0),  # after the window
        ("u", SEND - timedelta(days=1), 100.0),  # before the send
    )
    (row,) = attribute_conversions(_sends(("u", "a", False)), conversions, window=WINDOW).to_dict(
        orient="records"
    )
    assert (row["converted"], row["conversions"], row["revenue"]) == (1, 3, 17.5)
    assert row["first_conversion_at"] == first


def test_holdout_recipients_are_measured_from_their_would_be_send() -> None:
    sends = _sends(("treated", "a", False), ("held", "holdout", True))
    conversions = _conversions(
        ("treated", SEND + timedelta(days=2), 8.0), ("held", SEND + timedelta(days=2), 6.0)
    )
    outcomes = attribute_conversions(sends, conversions, window=WINDOW)
    result = _by_recipient(outcomes)
    assert result["held"]["converted"] == 1 and result["held"]["revenue"] == 6.0
    treated, holdout = summarise_arms(outcomes)
    assert (treated.arm, holdout.arm, holdout.is_control) == ("a", "holdout", True)


def test_a_conversion_without_an_amount_converts_without_revenue() -> None:
    conversions = _conversions(("u", SEND + timedelta(hours=1), None))
    (row,) = attribute_conversions(_sends(("u", "a", False)), conversions).to_dict(orient="records")
    assert (row["converted"], row["revenue"]) == (1, 0.0)


def test_other_send_columns_are_carried_through() -> None:
    sends = _sends(("u", "a", False)).assign(campaign_id="spring")
    outcomes = attribute_conversions(sends, _conversions(("x", SEND, 1.0)))
    assert outcomes["campaign_id"].tolist() == ["spring"]


@pytest.mark.parametrize(
    ("sends", "match"),
    [
        (_sends(("u", "a", False)).drop(columns="sent_at"), r"sends frame lacks .*sent_at"),
        (_sends(("u", "a", False), ("u", "a", False)), "sent to once"),
        (
            _sends(("u", "a", False)).assign(sent_at=SEND.tz_localize(None)),
            "both be timezone-aware or both naive",
        ),
        (_sends(("u", "a", False)).assign(sent_at="2026-03-01"), "datetime column"),
    ],
)
def test_malformed_sends_are_refused_with_the_reason(sends: pd.DataFrame, match: str) -> None:
    with pytest.raises(OutcomesFrameError, match=match):
        attribute_conversions(sends, _conversions(("u", SEND, 1.0)))


def test_the_window_must_be_positive() -> None:
    with pytest.raises(OutcomesFrameError, match="positive"):
        attribute_conversions(
            _sends(("u", "a", False)), _conversions(("u", SEND, 1.0)), window=timedelta(0)
        )
