"""Data quality: Great Expectations suites on the daily gold snapshots.

``run`` validates ``gold.user_features``, ``gold.user_scores`` and
``gold.user_segments`` for one ``as_of``, writes every expectation's outcome to
``quality.validation_results`` (partitioned by ``as_of``, replaced on rerun),
and raises :class:`~spark_jobs.exceptions.QualityCheckError` if any failed, so
the DAG stops before the publish hand-off.
"""

from spark_jobs.quality._great_expectations import validate_suite
from spark_jobs.quality.checks import RESULTS_TABLE, QualityReport, results_frame, run
from spark_jobs.quality.suites import Check, Suite, features_suite, scores_suite, segments_suite

__all__ = [
    "RESULTS_TABLE",
    "Check",
    "QualityReport",
    "Suite",
    "features_suite",
    "results_frame",
    "run",
    "scores_suite",
    "segments_suite",
    "validate_suite",
]
