"""The thin entry of the quality step: read snapshots, validate, record, stop on failure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from spark_jobs.exceptions import QualityCheckError
from spark_jobs.quality._great_expectations import CheckResult, validate_suite
from spark_jobs.quality.suites import Suite, features_suite, scores_suite, segments_suite

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from clarion.settings import Settings

__all__ = ["DEFAULT_TOLERANCE", "RESULTS_TABLE", "QualityReport", "results_frame", "run"]

RESULTS_TABLE = "quality.validation_results"
DEFAULT_TOLERANCE = 0.5  # a snapshot may have 50 % fewer or more rows than the previous one
_RESULTS_SCHEMA = (
    "suite string, as_of date, expectation string, `column` string, success boolean, "
    "observed_value string, details string"
)


@dataclass(frozen=True, slots=True)
class QualityReport:
    """Checks run and failed for one ``as_of``; ``failures`` name suite, expectation, column."""

    as_of: date
    checks: int
    failures: tuple[str, ...]

    @property
    def success(self) -> bool:
        return not self.failures


def results_frame(spark: SparkSession, results: Sequence[CheckResult], *, as_of: date) -> DataFrame:
    """The rows of ``quality.validation_results`` for one run.

    No wall-clock column: a rerun of the same data gives the same rows (when it ran
    is in the table's Delta history).
    """
    rows = [
        (r.suite, as_of, r.expectation, r.column, r.success, r.observed_value, r.details)
        for r in results
    ]
    return spark.createDataFrame(rows, _RESULTS_SCHEMA)


def _previous_count(spark: SparkSession, uri: str, *, as_of: date) -> int | None:
    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    if not DeltaTable.isDeltaTable(spark, uri):
        return None
    table = spark.read.format("delta").load(uri)
    last = table.where(F.col("as_of") < F.lit(as_of)).agg(F.max("as_of")).first()[0]
    return None if last is None else table.where(F.col("as_of") == F.lit(last)).count()


def run(
    spark: SparkSession,
    settings: Settings,
    *,
    as_of: date,
    tolerance: float = DEFAULT_TOLERANCE,
    segment_names: Sequence[str] | None = None,
) -> QualityReport:
    """Validate the ``as_of`` gold snapshots, record the results, raise if any check failed.

    Raises:
        QualityCheckError: at least one expectation failed (the results are recorded first).
    """
    from spark_jobs._partitions import overwrite_date_partition, read_date_partition
    from spark_jobs.segments import load_segments

    names = segment_names if segment_names is not None else [s.name for s in load_segments()]

    def snapshot(table: str) -> tuple[DataFrame, int | None]:
        uri = settings.table_uri(table)
        frame = read_date_partition(spark, uri=uri, column="as_of", day=as_of)
        return frame, _previous_count(spark, uri, as_of=as_of)

    features, prev_features = snapshot("gold.user_features")
    scores, prev_scores = snapshot("gold.user_scores")
    segments, prev_segments = snapshot("gold.user_segments")
    plan: list[tuple[DataFrame, Suite]] = [
        (features, features_suite(features.columns, previous=prev_features, tolerance=tolerance)),
        (scores, scores_suite(previous=prev_scores, tolerance=tolerance)),
        (segments, segments_suite(names, previous=prev_segments, tolerance=tolerance)),
    ]
    results = [r for frame, suite in plan for r in validate_suite(frame, suite)]
    frame = results_frame(spark, results, as_of=as_of)
    overwrite_date_partition(
        frame, uri=settings.table_uri(RESULTS_TABLE), column="as_of", day=as_of
    )
    failures = tuple(
        f"{r.suite}: {r.expectation}({r.column or ''}) observed {r.observed_value}"
        for r in results
        if not r.success
    )
    report = QualityReport(as_of=as_of, checks=len(results), failures=failures)
    if failures:
        raise QualityCheckError(
            f"{len(failures)} of {len(results)} quality checks failed for {as_of}; nothing "
            f"will be published. See {settings.table_uri(RESULTS_TABLE)} "
            f"(as_of = {as_of}):\n  " + "\n  ".join(failures)
        )
    return report
