"""Uplift targeting in a campaign file: the model's source, the threshold, the ranking."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from marketing.campaigns import CampaignDefinitionError, load_campaign

Write = Callable[[dict[str, Any]], Path]


def _problem(doc: dict[str, Any], write_campaign: Write) -> str:
    path = write_campaign(doc)
    with pytest.raises(CampaignDefinitionError) as info:
        load_campaign(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    return message


def test_a_file_targeting_by_uplift_loads(valid: dict[str, Any], write_campaign: Write) -> None:
    valid["audience"].update(
        uplift={"from_campaign": "hillstrom", "outcome": "visit"},
        min_uplift=0.01,
        rank_by="uplift",
        max_size=1000,
    )
    audience = load_campaign(write_campaign(valid)).audience
    assert audience.uplift is not None and audience.uplift.from_campaign == "hillstrom"
    assert (audience.uplift.outcome, audience.min_uplift, audience.rank_by) == (
        "visit",
        0.01,
        "uplift",
    )
    valid["audience"] = {"uplift": {"from_campaign": "spring_sale"}}  # its own past runs
    defaults = load_campaign(write_campaign(valid)).audience
    assert defaults.uplift is not None and defaults.uplift.outcome == "conversion"
    assert defaults.rank_by == "propensity" and defaults.min_uplift is None


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ({"min_uplift": 0.01}, "audience: min_uplift: needs an uplift model; add uplift:"),
        (
            {"rank_by": "uplift", "max_size": 10},
            "audience: rank_by: 'uplift' needs an uplift model",
        ),
        (
            {"uplift": {"from_campaign": "hillstrom"}, "rank_by": "uplift"},
            "audience: rank_by: only orders who is kept when max_size cuts the audience",
        ),
        ({"rank_by": "score"}, "audience.rank_by: Input should be 'propensity' or 'uplift'"),
        ({"uplift": {"from_campaign": "Hill strom"}}, "audience.uplift.from_campaign: String"),
        ({"uplift": {"campaign": "hillstrom"}}, "audience.uplift.campaign: unknown field"),
        (
            {"uplift": {"from_campaign": "hillstrom", "outcome": "revenue"}},
            "audience.uplift.outcome: Input should be 'conversion' or 'visit'",
        ),
        (
            {"uplift": {"from_campaign": "spring_sale", "outcome": "visit"}},
            "audience.uplift.outcome: 'visit' needs attribution.visit_event",
        ),
        ({"min_uplift": 2, "uplift": {"from_campaign": "hillstrom"}}, "audience.min_uplift: Input"),
    ],
)
def test_a_mistake_names_the_file_the_field_and_the_problem(
    valid: dict[str, Any], write_campaign: Write, audience: dict[str, Any], expected: str
) -> None:
    valid["audience"] = audience
    assert expected in _problem(valid, write_campaign)
