"""Campaign files: the repository's load; a mistake names the file, the field path, the problem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketing.campaigns import (
    CampaignDefinitionError,
    campaign_files,
    load_campaign,
    load_campaigns,
)
from spark_jobs.segments import load_segments

Write = Callable[[dict[str, Any]], Path]


def test_every_campaign_file_in_the_repository_is_valid() -> None:
    names = [s.name for s in load_segments()]
    campaigns = load_campaigns(known_segments=names)
    assert {c.id for c in campaigns} >= {"hillstrom", "winback_lapsed_buyers"}
    assert [p.stem for p in campaign_files()] == [c.id for c in campaigns]


def test_a_valid_file_loads_with_its_durations_and_schedule(
    valid: dict[str, Any], write_campaign: Write
) -> None:
    campaign = load_campaign(write_campaign(valid))
    assert campaign.attribution.window.days == 7
    assert campaign.schedule.kind == "cron"
    assert campaign.priority == "marketing"
    assert campaign.template_for(variant="b", channel="push", locale="en-US").body == "B!"
    assert campaign.template_for(variant="a", channel="push", locale="en-US").body.startswith(
        "Hello"
    )


def _problem(doc: dict[str, Any], write_campaign: Write) -> str:
    path = write_campaign(doc)
    with pytest.raises(CampaignDefinitionError) as info:
        load_campaign(path, known_segments=["likely_buyers", "high_spenders"])
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    return message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(prority="marketing"), "prority: unknown field"),
        (lambda d: d["audience"].update(min_scor=0.3), "audience.min_scor: unknown field"),
        (lambda d: d.pop("owner"), "owner: required field is missing"),
        (
            lambda d: d.update(priority="transactional"),
            "priority: campaigns are always sent with priority 'marketing'",
        ),
        (
            lambda d: d["variants"][1].update(weight=40),
            "variants: weights must sum to 100, they sum to 90",
        ),
        (
            lambda d: d["variants"][1].update(name="holdout"),
            "variants.1.name: 'holdout' is the label",
        ),
        (
            lambda d: d["schedule"].update(cron="every monday"),
            "schedule.cron: 'every monday' is not a cron",
        ),
        (
            lambda d: d["schedule"].update(timezone="Mars/Olympus"),
            "schedule.timezone: 'Mars/Olympus' is not an IANA",
        ),
        (
            lambda d: d.update(schedule={"cron": "0 9 * * *", "at": "2026-11-02T09:00:00Z"}),
            "give exactly one of cron, at or manual",
        ),
        (lambda d: d.update(end="2026-10-01T00:00:00Z"), "end: must be after start"),
        (
            lambda d: d["templates"]["email"]["en-US"].pop("subject"),
            "templates.email.en-US.subject: an email needs a subject",
        ),
        (lambda d: d["templates"].pop("push"), "templates.push: needs the default locale 'en-US'"),
        (
            lambda d: d["templates"]["push"]["en-US"].update(body="Hi {{ user.name "),
            "templates.push.en-US.body: template syntax error",
        ),
        (
            lambda d: d["templates"]["push"]["en-US"].update(body="Hi {{ customer }}"),
            "templates.push.en-US.body: unknown name(s) ['customer']",
        ),
        (
            lambda d: d["variants"][1]["templates"]["push"]["en-US"].update(body="{% if %}"),
            "variants.1.templates.push.en-US.body: template syntax error",
        ),
        (
            lambda d: d["audience"]["segments"].update(include=["big_fans"]),
            "audience.segments.include: unknown segment(s) ['big_fans']",
        ),
        (
            lambda d: d["attribution"].update(window="a week"),
            "attribution.window: expected a duration like",
        ),
        (
            lambda d: d["attribution"].update(conversion_event="buy"),
            "attribution.conversion_event: unknown event type 'buy'",
        ),
        (
            lambda d: d.update(holdout_percent=12.345),
            "holdout_percent: holdout_percent has at most two decimals",
        ),
        (lambda d: d.update(channels=["push", "pigeon"]), "channels.1: Input should be"),
    ],
)
def test_a_mistake_names_the_field_and_the_problem(
    valid: dict[str, Any],
    write_campaign: Write,
    change: Callable[[dict[str, Any]], Any],
    expected: str,
) -> None:
    change(valid)
    assert expected in _problem(valid, write_campaign)


def test_all_problems_of_a_file_are_reported_together(
    valid: dict[str, Any], write_campaign: Write
) -> None:
    valid["audience"]["max_sise"] = 3
    valid["holdout_percent"] = 120
    message = _problem(valid, write_campaign)
    assert "audience.max_sise: unknown field" in message
    assert "holdout_percent: Input should be less than 100" in message


def test_the_id_must_be_the_file_name(valid: dict[str, Any], tmp_path: Path) -> None:
    import yaml

    path = tmp_path / "other_name.yaml"
    path.write_text(yaml.safe_dump(valid))
    with pytest.raises(
        CampaignDefinitionError, match=r"id: 'spring_sale' must equal the file name 'other_name'"
    ):
        load_campaign(path)


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: broken\nname: [unclosed\nowner: x\n")
    with pytest.raises(CampaignDefinitionError, match=rf"{path}: not valid YAML at line \d+"):
        load_campaign(path)


def test_a_list_instead_of_a_mapping_is_named(tmp_path: Path) -> None:
    path = tmp_path / "listy.yaml"
    path.write_text("- id: listy\n")
    with pytest.raises(CampaignDefinitionError, match="expected a mapping of campaign fields"):
        load_campaign(path)


@settings(max_examples=40, deadline=None)
@given(weights=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=5))
def test_weights_are_accepted_exactly_when_they_sum_to_100(weights: list[int]) -> None:
    from pydantic import ValidationError

    from marketing.campaigns.schema import Campaign
    from tests.marketing.campaigns.conftest import VALID

    doc = {**VALID, "variants": [{"name": f"v{i}", "weight": w} for i, w in enumerate(weights)]}
    try:
        Campaign.model_validate(doc)
    except ValidationError as exc:
        assert sum(weights) != 100
        assert "weights must sum to 100" in str(exc)
    else:
        assert sum(weights) == 100


@settings(max_examples=40, deadline=None)
@given(key=st.from_regex(r"[a-z_]{1,12}", fullmatch=True))
def test_any_unknown_top_level_key_is_refused_by_name(key: str) -> None:
    from pydantic import ValidationError

    from marketing.campaigns.schema import Campaign
    from tests.marketing.campaigns.conftest import VALID

    if key in Campaign.model_fields:
        return
    with pytest.raises(ValidationError) as info:
        Campaign.model_validate({**VALID, key: 1})
    assert any(e["loc"] == (key,) and e["type"] == "extra_forbidden" for e in info.value.errors())
