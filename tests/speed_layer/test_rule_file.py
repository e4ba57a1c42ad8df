"""Rule files are validated on load; errors name the file, the rule and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from speed_layer.exceptions import RuleFileError
from speed_layer.rules import AbsenceRule, EventRule, WindowRule, load_rules, parse_rules
from tests.speed_layer.conftest import RULES_FILE

GOOD = """
version: 1
rules:
  - id: big_spend
    kind: event
    on: [purchase]
    when: event.properties.amount > 2 * coalesce(batch.purchase_amount_30d, 0)
    priority: triggered
    channels: [push]
"""


def test_the_shipped_rule_file_loads() -> None:
    rules = load_rules(RULES_FILE)
    kinds = {type(r) for r in rules}
    assert kinds == {EventRule, WindowRule, AbsenceRule}
    risk = rules.get("risk_unusual_transaction")
    assert "batch.transaction_amount_mean_30d" in risk.names()


def test_defaults() -> None:
    rule = parse_rules(GOOD).get("big_spend")
    assert isinstance(rule, EventRule)
    assert (rule.ttl_seconds, rule.cooldown_ms, rule.channels) == (3600, 0, ("push",))


def error(text: str) -> str:
    with pytest.raises(RuleFileError) as info:
        parse_rules(text, source="rules/x.yaml")
    return str(info.value)


def with_rule(**changes: str) -> str:
    lines = GOOD.splitlines()
    out = [line for line in lines if not any(line.strip().startswith(f"{k}:") for k in changes)]
    return "\n".join(out + [f"    {k}: {v}" for k, v in changes.items()])


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            with_rule(when="event.properties.amunt > 1"),
            [
                "rules/x.yaml",
                "rule 'big_spend'",
                "field 'when'",
                "position 0",
                "not a required property of purchase",
            ],
        ),
        (
            with_rule(when="event.properties.amount >"),
            ["rule 'big_spend'", "field 'when'", "position 25", "expected a value"],
        ),
        (
            with_rule(when="batch.no_such_feature > 1"),
            ["field 'when'", "unknown batch feature 'batch.no_such_feature'"],
        ),
        (
            with_rule(when="rt.purchase_count_7d > 1"),
            ["field 'when'", "unknown streaming feature 'rt.purchase_count_7d'"],
        ),
        (with_rule(when="event.properties.amount"), ["field 'when'", "must be true or false"]),
        (with_rule(priority="urgent"), ["rule 'big_spend'", "field 'priority'"]),
        (with_rule(channels="[pigeon]"), ["rule 'big_spend'", "field 'channels.0'"]),
        (with_rule(channels="[push, push]"), ["field 'channels'", "once"]),
        (with_rule(on="[teleport]"), ["field 'on.0'"]),
        (with_rule(ttl="soon"), ["field 'ttl'", "not a duration"]),
        (with_rule(colour="red"), ["rule 'big_spend'", "field 'colour'", "Extra inputs"]),
        (with_rule(kind="sometimes"), ["rule 'big_spend'", "field 'kind'"]),
        (with_rule(id="Big-Spend"), ["rule 'Big-Spend'", "field 'id'"]),
        (with_rule(kind="window"), ["field 'count'", "Field required"]),
        (
            with_rule(kind="absence", within="30m", awaits="[purchase]"),
            ["field 'awaits'", "both start and cancel"],
        ),
        (
            with_rule(
                kind="absence",
                within="30m",
                awaits="[app_open]",
                when="rt.rt_app_open_count_5m > 0",
            ),
            ["field 'when'", "absence rule", "event.* and batch.* only"],
        ),
        (GOOD + GOOD.split("rules:")[1], ["rule 'big_spend'", "field 'id'", "declared twice"]),
        ("version: 2\nrules: []", ["rules/x.yaml", "field 'version'"]),
        ("rules: [", ["rules/x.yaml", "not valid YAML"]),
        ("version: 1\nrules:\n  - 3", ["rule #1"]),
    ],
)
def test_errors_name_file_rule_and_field(text: str, fragments: list[str]) -> None:
    message = error(text)
    for fragment in fragments:
        assert fragment in message, message


def test_a_missing_file_is_a_rule_file_error(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="cannot read"):
        load_rules(tmp_path / "nope.yaml")


def test_on_is_a_key_not_a_boolean() -> None:
    # YAML 1.1 reads a bare `on:` key (and `yes`) as True; the loader keeps them words.
    rule = parse_rules(GOOD.replace("push]", "push]\n    description: yes")).get("big_spend")
    assert rule.on == ("purchase",)
    assert rule.description == "yes"
