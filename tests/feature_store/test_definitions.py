"""The feature declarations are consistent and cover what the layers need."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clarion.events import CHANNELS
from feature_store import USER_FEATURES, Feature, FeatureDefinitionError, FeatureRegistry
from feature_store.computations import EventCount, Ratio, Reachable, SlidingCount


def _feature(name: str, **kw: object) -> Feature:
    args: dict[str, object] = {
        "name": name,
        "dtype": "int64",
        "description": "d",
        "owner": "o",
        "freshness": timedelta(days=1),
        "source": "batch",
        "computation": EventCount(("purchase",), timedelta(days=7)),
    }
    args.update(kw)
    return Feature(**args)  # type: ignore[arg-type]


def test_rfm_grid_engagement_and_reachability_are_declared() -> None:
    names = set(USER_FEATURES.names("batch"))
    for days in (1, 7, 30, 90):
        assert {f"purchase_count_{days}d", f"purchase_amount_{days}d"} <= names
    assert "notification_open_rate_30d" in names
    assert "preferred_local_hour_30d" in names
    assert {f"reachable_{c}" for c in CHANNELS} <= names
    assert USER_FEATURES.by_source("streaming"), "the speed layer has features to maintain"


def test_every_feature_has_an_owner_description_and_freshness() -> None:
    for feature in USER_FEATURES:
        assert feature.owner and feature.description and feature.freshness > timedelta(0)


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(FeatureDefinitionError, match="declared twice"):
        FeatureRegistry([_feature("a"), _feature("a")])


def test_a_ratio_over_an_undeclared_feature_is_refused() -> None:
    with pytest.raises(FeatureDefinitionError, match="'missing'"):
        FeatureRegistry(
            [_feature("a"), _feature("r", dtype="double", computation=Ratio("a", "missing"))]
        )


def test_a_streaming_computation_cannot_be_batch() -> None:
    with pytest.raises(FeatureDefinitionError, match="cannot have source 'batch'"):
        _feature("x", computation=SlidingCount(("purchase",), timedelta(minutes=5)))


@pytest.mark.parametrize("name", ["Purchase", "1x", "a-b", "", "x" * 64])
def test_names_must_be_snake_case(name: str) -> None:
    with pytest.raises(FeatureDefinitionError, match="snake_case"):
        _feature(name)


def test_specs_refuse_unknown_event_types_and_channels() -> None:
    with pytest.raises(ValueError, match="unknown event types"):
        EventCount(("purchased",), timedelta(days=1))
    with pytest.raises(ValueError, match="unknown channel"):
        Reachable("pigeon")
    with pytest.raises(ValueError, match="positive"):
        EventCount(("purchase",), timedelta(0))


def test_lookup_of_an_unknown_feature_names_it() -> None:
    with pytest.raises(FeatureDefinitionError, match="no feature named 'nope'"):
        USER_FEATURES.get("nope")
