"""Run a :class:`~spark_jobs.quality.suites.Suite` with Great Expectations on a Spark DataFrame.

Great Expectations 1.x's fluent Spark datasource validates the DataFrame in
place (every metric is an exact Spark aggregate, no sampling). GE is imported
here only, inside the function, so importing the quality package stays cheap.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spark_jobs.quality.suites import Suite

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["CheckResult", "validate_suite"]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one expectation, in the shape of ``quality.validation_results``."""

    suite: str
    expectation: str
    column: str | None
    success: bool
    observed_value: str | None
    details: str


def _observed(result: dict[str, Any]) -> str | None:
    if "observed_value" in result:
        return json.dumps(result["observed_value"], default=str)
    if "unexpected_count" in result:
        return json.dumps({"unexpected_count": result["unexpected_count"]})
    return None


def _key(expectation: str, kwargs: dict[str, Any]) -> tuple[str, str]:
    """Which check a result belongs to: a suite has one check per expectation and column."""
    columns = kwargs.get("column") or kwargs.get("column_list") or ""
    return expectation, json.dumps(columns)


def validate_suite(frame: DataFrame, suite: Suite) -> list[CheckResult]:
    """Validate ``frame`` against ``suite``; one result per check, in order."""
    import great_expectations as gx

    for noisy in ("great_expectations", "py4j"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (
        context.data_sources.add_spark(name="clarion")
        .add_dataframe_asset(name=suite.table)
        .add_batch_definition_whole_dataframe("snapshot")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    expectations = gx.ExpectationSuite(name=suite.name)
    by_key = {}
    for check in suite.checks:
        added = expectations.add_expectation(
            getattr(gx.expectations, check.expectation)(**check.kwargs)
        )
        by_key[_key(added.expectation_type, check.kwargs)] = check
    outcome = batch.validate(expectations, result_format="SUMMARY")
    found: dict[tuple[str, str], CheckResult] = {}
    for item in outcome.results:  # GE groups them by metric, not in suite order
        config = item.expectation_config
        check = by_key[_key(config.type, config.kwargs)]
        # Sample lists (partial_unexpected_*) come in no fixed order: keep the counts only.
        result = {k: v for k, v in (item.result or {}).items() if not k.startswith("partial_")}
        if item.exception_info and item.exception_info.get("raised_exception"):
            result["exception"] = item.exception_info.get("exception_message")
        found[_key(config.type, config.kwargs)] = CheckResult(
            suite=suite.name,
            expectation=item.expectation_config.type,
            column=check.column,
            success=bool(item.success),
            observed_value=_observed(result),
            details=json.dumps(
                {"kwargs": check.kwargs, "result": result}, default=str, sort_keys=True
            ),
        )
    return [found[key] for key in by_key]  # back in the suite's order
