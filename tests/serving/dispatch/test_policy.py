"""DispatchPolicy: defaults, validation, the YAML form and its error messages."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from clarion.exceptions import ClarionError, ConfigurationError
from serving.dispatch import (
    DispatchPolicy,
    FrequencyCap,
    LoadShedding,
    PolicyError,
    QuietHours,
    ShedThreshold,
    load_policy,
    policy_from_yaml,
)
from serving.dispatch.policy_file import EXAMPLE_POLICY


def test_defaults_are_the_documented_starting_point() -> None:
    policy = DispatchPolicy()
    assert [(c.window, c.limit) for c in policy.caps] == [
        (timedelta(hours=24), 3),
        (timedelta(days=7), 10),
    ]
    assert policy.quiet_hours == QuietHours(start=time(22), end=time(8))
    assert policy.shedding.risk_alert is None
    assert policy.rate_limits == {}
    assert policy.ttl.for_priority("marketing") == timedelta(hours=48)


def test_the_shipped_example_file_loads() -> None:
    policy = load_policy(EXAMPLE_POLICY)
    assert policy.version == "2026-01"
    assert policy.rate_limits["sms"].per_second == 100
    assert policy.rate_limits["sms"].burst == 200
    assert policy.ttl.risk_alert == timedelta(minutes=30)
    assert policy.quiet_hours is not None and policy.quiet_hours.end == time(8)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("250ms", timedelta(milliseconds=250)),
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("24h", timedelta(hours=24)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
        ("1.5h", timedelta(minutes=90)),
        ("PT36H", timedelta(hours=36)),
        (3600, timedelta(hours=1)),
    ],
)
def test_durations_read_like_people_write_them(text: object, expected: timedelta) -> None:
    assert FrequencyCap.model_validate({"window": text, "limit": 1}).window == expected


@pytest.mark.parametrize("bad", ["0s", "-5m", 0, "soon", "5 parsecs"])
def test_non_positive_or_unreadable_durations_are_rejected(bad: object) -> None:
    with pytest.raises(ValidationError, match="window"):
        FrequencyCap.model_validate({"window": bad, "limit": 1})


def test_policy_json_round_trips_with_readable_durations() -> None:
    policy = load_policy(EXAMPLE_POLICY)
    dumped = policy.model_dump_json()
    assert '"window":"1d"' in dumped and '"lease":"30s"' in dumped
    assert DispatchPolicy.model_validate_json(dumped) == policy


def test_policy_is_frozen() -> None:
    with pytest.raises(ValidationError, match="frozen"):
        DispatchPolicy().version = "x"  # type: ignore[misc]


def test_an_unquoted_yaml_time_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("quiet_hours:\n  start: 22:00\n  end: '08:00'\n")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    message = str(info.value)
    assert str(path) in message
    assert "quiet_hours.start" in message
    assert "quoted 'HH:MM'" in message


@pytest.mark.parametrize(
    ("yaml_text", "field"),
    [
        ("caps:\n  - {window: 24h, limt: 3}\n", "caps.0.limt"),
        ("quiet_hours: {strat: '22:00', end: '08:00'}\n", "quiet_hours.strat"),
        ("shedding:\n  transactional: {queue_depth: 10}\n", "shedding.transactional"),
        ("rate_limits:\n  fax: {per_second: 1, burst: 1}\n", "rate_limits.fax"),
        ("rate_limits:\n  sms: {per_second: 0, burst: 1}\n", "rate_limits.sms.per_second"),
        ("ttl: {marketing: never}\n", "ttl.marketing"),
        ("idempotency: {lease: 0s}\n", "idempotency.lease"),
        ("versoin: '1'\n", "versoin"),
    ],
)
def test_errors_name_the_source_and_the_field(yaml_text: str, field: str) -> None:
    with pytest.raises(PolicyError) as info:
        policy_from_yaml(yaml_text, source="policies/prod.yaml")
    message = str(info.value)
    assert message.startswith("policies/prod.yaml: invalid dispatch policy:")
    assert f"  {field}: " in message


def test_policy_errors_are_clarion_configuration_errors() -> None:
    assert issubclass(PolicyError, ConfigurationError)
    assert issubclass(PolicyError, ClarionError)


def test_missing_file_bad_yaml_and_non_mapping_are_reported(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"nope\.yaml: cannot read"):
        load_policy(tmp_path / "nope.yaml")
    with pytest.raises(PolicyError, match=r"x\.yaml: not valid YAML"):
        policy_from_yaml("caps: [", source="x.yaml")
    with pytest.raises(PolicyError, match="expected a mapping"):
        policy_from_yaml("- 1\n- 2\n", source="x.yaml")


def test_an_empty_file_is_the_default_policy() -> None:
    assert policy_from_yaml("") == DispatchPolicy()


def test_quiet_hours_can_be_disabled() -> None:
    assert policy_from_yaml("quiet_hours: null\n").quiet_hours is None


def test_quiet_hours_must_not_be_empty() -> None:
    with pytest.raises(ValidationError, match="start and end must differ"):
        QuietHours(start=time(8), end=time(8))


def test_quiet_hours_take_no_offset() -> None:
    with pytest.raises(ValidationError, match="no offset"):
        QuietHours.model_validate({"start": "22:00+02:00", "end": "08:00"})


@pytest.mark.parametrize(
    ("window", "moment", "quiet"),
    [
        (("22:00", "08:00"), time(22, 0), True),  # start is inside
        (("22:00", "08:00"), time(23, 59), True),
        (("22:00", "08:00"), time(0, 0), True),
        (("22:00", "08:00"), time(7, 59, 59), True),
        (("22:00", "08:00"), time(8, 0), False),  # end is outside
        (("22:00", "08:00"), time(21, 59), False),
        (("13:00", "15:00"), time(13, 0), True),
        (("13:00", "15:00"), time(14, 59), True),
        (("13:00", "15:00"), time(15, 0), False),
        (("13:00", "15:00"), time(3, 0), False),
    ],
)
def test_quiet_hours_contains(window: tuple[str, str], moment: time, quiet: bool) -> None:
    start, end = window
    assert QuietHours.model_validate({"start": start, "end": end}).contains(moment) is quiet


def test_duplicate_cap_windows_are_rejected() -> None:
    with pytest.raises(PolicyError, match="each window may appear once"):
        policy_from_yaml("caps:\n  - {window: 24h, limit: 3}\n  - {window: 1d, limit: 5}\n")


def test_shedding_needs_a_signal() -> None:
    with pytest.raises(ValidationError, match="set queue_depth, lag_seconds or both"):
        ShedThreshold()


@pytest.mark.parametrize(
    "shedding",
    [
        # marketing would survive a load that sheds triggered
        {"marketing": {"queue_depth": 500}, "triggered": {"queue_depth": 100}},
        # triggered sheds on lag, marketing never would
        {"marketing": {"queue_depth": 100}, "triggered": {"queue_depth": 500, "lag_seconds": 60}},
        # risk alerts shed before triggered
        {
            "marketing": {"queue_depth": 100},
            "triggered": {"queue_depth": 500},
            "risk_alert": {"queue_depth": 400},
        },
    ],
)
def test_shedding_must_drop_lower_classes_first(shedding: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match="lower priorities are shed first"):
        LoadShedding.model_validate(shedding)


def test_a_consistent_shedding_ladder_is_accepted() -> None:
    ladder = LoadShedding.model_validate(
        {
            "marketing": {"queue_depth": 100, "lag_seconds": 10},
            "triggered": {"queue_depth": 500},
            "risk_alert": {"queue_depth": 900},
        }
    )
    assert ladder.threshold_for("transactional") is None
    assert ladder.threshold_for("risk_alert") == ShedThreshold(queue_depth=900)
