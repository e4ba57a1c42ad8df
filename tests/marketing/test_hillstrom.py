"""The Hillstrom experiment: integrity checks, the published table, the encoding."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from marketing.exceptions import DatasetIntegrityError
from marketing.hillstrom import (
    DEFAULT_HILLSTROM_PATH,
    HillstromTreatment,
    hillstrom_features,
    hillstrom_outcomes,
    hillstrom_uplift_data,
    load_hillstrom,
)
from marketing.measurement import summarise_arms

# The challenge's own table (data/hillstrom/README.md): customers, visit %,
# conversion %, spend per customer in dollars.
PUBLISHED = {
    "mens": (21_307, 18.28, 1.25, 1.42),
    "womens": (21_387, 15.14, 0.88, 1.08),
    "no_email": (21_306, 10.62, 0.57, 0.65),
}


def test_the_published_arm_table_is_reproduced(hillstrom: pd.DataFrame) -> None:
    summaries = summarise_arms(hillstrom_outcomes(hillstrom))
    assert [s.arm for s in summaries] == ["mens", "womens", "no_email"]
    assert [s.is_control for s in summaries] == [False, False, True]
    for summary in summaries:
        assert summary.visit_rate is not None
        computed = (
            summary.recipients,
            round(100 * summary.visit_rate, 2),
            round(100 * summary.conversion_rate, 2),
            round(summary.revenue_per_recipient, 2),
        )
        assert computed == PUBLISHED[summary.arm], summary.arm


def test_the_control_is_found_from_the_holdout_flag(hillstrom: pd.DataFrame) -> None:
    outcomes = hillstrom_outcomes(hillstrom)
    assert outcomes.loc[outcomes["is_holdout"], "variant"].unique().tolist() == ["no_email"]
    assert len(outcomes) == 64_000 and outcomes["recipient_id"].is_unique


def test_the_suburban_misspelling_is_cleaned_and_kept(hillstrom: pd.DataFrame) -> None:
    assert list(hillstrom["zip_code"].cat.categories) == ["Urban", "Suburban", "Rural"]
    assert set(hillstrom["zip_code_raw"]) == {"Urban", "Surburban", "Rural"}
    surburban = hillstrom["zip_code_raw"] == "Surburban"
    assert (hillstrom.loc[surburban, "zip_code"] == "Suburban").all()
    assert surburban.sum() == 28_776


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "hillstrom.csv"
    with pytest.raises(DatasetIntegrityError, match=str(missing)):
        load_hillstrom(missing)


def test_a_changed_file_is_refused_with_its_name(tmp_path: Path) -> None:
    copy = tmp_path / "hillstrom.csv"
    shutil.copyfile(DEFAULT_HILLSTROM_PATH, copy)
    with copy.open("ab") as handle:
        handle.write(b"\n")
    with pytest.raises(DatasetIntegrityError, match=f"{copy} has sha256 .* expected ff9e5"):
        load_hillstrom(copy)


def test_features_are_numeric_with_one_hot_and_ordinal_columns(hillstrom: pd.DataFrame) -> None:
    features = hillstrom_features(hillstrom)
    assert features.shape == (64_000, 12)
    assert np.issubdtype(features.to_numpy().dtype, np.floating)
    zip_columns = ["zip_code_urban", "zip_code_suburban", "zip_code_rural"]
    channel_columns = ["channel_phone", "channel_web", "channel_multichannel"]
    assert (features[zip_columns].sum(axis=1) == 1).all()
    assert (features[channel_columns].sum(axis=1) == 1).all()
    assert sorted(features["history_segment"].unique()) == [1, 2, 3, 4, 5, 6, 7]
    # The ordinal follows the spend buckets: higher segment, higher history.
    medians = features.groupby("history_segment")["history"].median()
    assert medians.is_monotonic_increasing


def test_a_single_row_encodes_to_the_same_columns(hillstrom: pd.DataFrame) -> None:
    assert list(hillstrom_features(hillstrom.head(1)).columns) == list(
        hillstrom_features(hillstrom).columns
    )


@pytest.mark.parametrize(
    ("treatment", "rows", "treated"),
    [("womens", 42_693, 21_387), ("mens", 42_613, 21_307), ("any_email", 64_000, 42_694)],
)
def test_uplift_data_keeps_one_arm_or_pools_both(
    hillstrom: pd.DataFrame, treatment: HillstromTreatment, rows: int, treated: int
) -> None:
    features, flag, y = hillstrom_uplift_data(hillstrom, treatment=treatment, outcome="visit")
    assert len(features) == len(flag) == len(y) == rows
    assert flag.sum() == treated
    assert set(np.unique(y)) == {0.0, 1.0}
