"""Run results from per-arm totals agree with the per-recipient measurement; report and intents."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from marketing.campaigns import ArmTotals, Campaign, measure_run, write_report
from marketing.campaigns.intents import campaign_intent
from marketing.campaigns.templates import render_message, resolve_locale
from marketing.measurement import proportion_lifts, revenue_lifts
from speed_layer.models.intent import Intent


@pytest.fixture(scope="module")
def outcomes() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    arms = rng.choice(["a", "b", "holdout"], size=6_000, p=[0.45, 0.45, 0.10])
    rate = np.select([arms == "a", arms == "b"], [0.08, 0.05], 0.04)
    converted = (rng.random(arms.size) < rate).astype(int)
    revenue = converted * rng.lognormal(3, 1, arms.size)
    visited = np.maximum(converted, (rng.random(arms.size) < 0.3).astype(int))
    return pd.DataFrame(
        {
            "variant": arms,
            "is_holdout": arms == "holdout",
            "converted": converted,
            "revenue": revenue,
            "visited": visited,
        }
    )


def _totals(frame: pd.DataFrame) -> list[ArmTotals]:
    return [
        ArmTotals(
            arm=str(arm),
            is_holdout=bool(g["is_holdout"].iloc[0]),
            recipients=len(g),
            visits=int(g["visited"].sum()),
            conversions=int(g["converted"].sum()),
            revenue_sum=float(g["revenue"].sum()),
            revenue_sum_squares=float((g["revenue"] ** 2).sum()),
        )
        for arm, g in frame.groupby("variant")
    ]


def test_totals_give_the_same_lifts_as_the_per_recipient_measurement(
    outcomes: pd.DataFrame,
) -> None:
    results = {(r.arm, r.metric): r for r in measure_run(_totals(outcomes))}
    for lift in proportion_lifts(outcomes, outcome="converted"):
        mine = results[(lift.variant, "conversion_rate")]
        assert mine.absolute == lift.absolute and mine.relative == lift.relative
        assert mine.p_value == pytest.approx(lift.p_value)
    for rev in revenue_lifts(outcomes):
        mine = results[(rev.variant, "revenue_per_recipient")]
        assert mine.absolute is not None and mine.relative is not None
        assert mine.absolute.estimate == pytest.approx(rev.difference.estimate)
        assert mine.absolute.low == pytest.approx(rev.difference.low, rel=1e-9)
        assert mine.relative.high == pytest.approx(rev.relative.high, rel=1e-9)
    control = results[("holdout", "visit_rate")]
    assert control.is_control and control.absolute is None


def test_a_run_without_holdout_has_rates_but_no_lifts(outcomes: pd.DataFrame) -> None:
    treated = outcomes[~outcomes["is_holdout"]]
    results = measure_run(_totals(treated))
    assert {r.metric for r in results} == {"visit_rate", "conversion_rate", "revenue_per_recipient"}
    assert all(r.absolute is None and r.control_value is None for r in results)


def test_the_report_embeds_one_png_per_metric(
    outcomes: pd.DataFrame, valid: dict[str, Any], tmp_path: Path
) -> None:
    campaign = Campaign.model_validate(valid)
    results = measure_run(_totals(outcomes))
    path = write_report(campaign, run_id="r1", results=results, state_dir=tmp_path)
    assert path == tmp_path / "reports" / "spring_sale" / "r1.html"
    html = path.read_text()
    images = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)
    assert len(images) == 3
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert "Conversion rate" in html and "holdout" in html


def test_an_intent_has_the_dispatcher_wire_format(valid: dict[str, Any]) -> None:
    campaign = Campaign.model_validate(valid)
    sent_at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    recipient: dict[str, Any] = {
        "run_id": "r1",
        "user_id": "u42",
        "variant": "b",
        "locale": "fr-CA",
        "channels": ["push", "email"],
    }
    intent = campaign_intent(campaign=campaign, **recipient, sent_at=sent_at, created_at=sent_at)
    doc = json.loads(intent.to_json())
    assert doc["source"] == "campaign" and doc["priority"] == "marketing"
    assert doc["source_id"] == "spring_sale" and doc["channels"] == ["push", "email"]
    assert doc["idempotency_key"] == "campaign:spring_sale:r1:u42"
    assert doc["event_time"] == "2026-12-01T09:00:00.000Z"
    assert doc["ttl_seconds"] == 24 * 3600
    assert doc["payload"]["template"] == {
        "push": {"en-US": {"subject": None, "body": "B!"}},  # the variant's override
        "email": {"fr-FR": {"subject": "Les soldes", "body": "C'est parti."}},  # language match
    }
    later = datetime.now(UTC)
    again = campaign_intent(campaign=campaign, **recipient, sent_at=sent_at, created_at=later)
    assert Intent.from_json(again.to_json()).identity() == intent.identity()


def test_templates_render_in_a_sandbox(valid: dict[str, Any]) -> None:
    from jinja2.exceptions import SecurityError

    campaign = Campaign.model_validate(valid)
    template = campaign.template_for(variant="a", channel="push", locale="en-US")
    text = render_message(template, campaign=campaign, variant="a", user={"user_id": "u7"})
    assert text == {"subject": None, "body": "Hello u7, the sale is on."}
    sneaky = template.model_copy(update={"body": "{{ user.__class__.__mro__ }}"})
    with pytest.raises(SecurityError):
        render_message(sneaky, campaign=campaign, variant="a", user={"user_id": "u7"})
    assert resolve_locale(("en-US",), wanted=None, default="en-US") == "en-US"
