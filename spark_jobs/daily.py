"""The daily batch, one library function per DAG task (``dags/daily_batch.py`` wires them).

Each function takes the run's ``as_of`` (the data interval's day, ``YYYY-MM-DD``
or a ``date``), builds (or joins) the process's SparkSession from the settings,
calls one job's thin ``run`` entry and returns a small JSON-able summary for
the task's XCom. Every step is idempotent per ``as_of``:

===========  =======================================================================
ingest       Kafka -> ``bronze.events``, exactly once (resumes from committed offsets)
clean        bronze days ``as_of - late_days .. as_of`` -> ``silver.events`` / quarantine
users        ``bronze.users`` -> ``silver.users`` (SCD2, rewound and reapplied per day)
features     ``gold.user_features`` partition ``as_of``
train        a model trained for ``as_of`` appended to ``ml.model_registry``
score        ``gold.user_scores`` partition ``as_of``
segments     ``gold.user_segments`` partition ``as_of``
quality      Great Expectations on the three gold snapshots -> ``quality.validation_results``
===========  =======================================================================

Nothing here imports pyspark at module level: DAG files import this module cheaply.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from clarion.lake_tables import DAILY_TABLES
from clarion.settings import Settings, load_settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = [
    "LATE_DAYS",
    "STEPS",
    "TABLES",
    "assign_segments",
    "check_quality",
    "clean_events",
    "compute_features",
    "ingest_events",
    "run_daily",
    "score_users",
    "train_model",
    "update_users",
]

# Events may reach Kafka this many days after their own day; those days are cleaned again.
LATE_DAYS = 2


def _day(as_of: str | date) -> date:
    return as_of if isinstance(as_of, date) else date.fromisoformat(as_of)


def _session(settings: Settings, step: str) -> SparkSession:
    from spark_jobs.session import build_spark_session

    return build_spark_session(settings, app_name=f"clarion-daily-{step}")


def _summary(value: Any) -> Any:
    """A JSON-able form of a job's result (dataclasses become dicts; dates become text)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        return {str(k): _summary(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_summary(v) for v in value]
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def ingest_events(*, settings: Settings | None = None) -> dict[str, Any]:
    """Append every new Kafka event to ``bronze.events`` (not date-bound: exactly once)."""
    from spark_jobs import ingest

    settings = settings or load_settings()
    result = ingest.run(_session(settings, "ingest"), settings)
    return _summary(result)


def clean_events(
    *, as_of: str | date, late_days: int = LATE_DAYS, settings: Settings | None = None
) -> dict[str, Any]:
    """Clean bronze days ``as_of - late_days`` .. ``as_of``; each replaces its own partition."""
    from spark_jobs import clean_events as job

    settings, day = settings or load_settings(), _day(as_of)
    spark = _session(settings, "clean")
    days = [day - timedelta(days=n) for n in range(late_days, -1, -1)]
    return {d.isoformat(): _summary(job.run(spark, settings, as_of=d)) for d in days}


def update_users(*, as_of: str | date, settings: Settings | None = None) -> int:
    """Apply today's users snapshot to the ``silver.users`` history."""
    from spark_jobs import users

    settings = settings or load_settings()
    return users.run(_session(settings, "users"), settings, as_of=_day(as_of))


def compute_features(*, as_of: str | date, settings: Settings | None = None) -> int:
    """Write the ``as_of`` snapshot of ``gold.user_features``."""
    from spark_jobs import features

    settings = settings or load_settings()
    return features.run(_session(settings, "features"), settings, as_of=_day(as_of))


def train_model(*, as_of: str | date, settings: Settings | None = None) -> dict[str, Any]:
    """Train, evaluate and register the propensity model for ``as_of``."""
    from spark_jobs import training

    settings = settings or load_settings()
    return _summary(training.run(_session(settings, "train"), settings, as_of=_day(as_of)))


def score_users(*, as_of: str | date, settings: Settings | None = None) -> int:
    """Write the ``as_of`` partition of ``gold.user_scores`` with the promoted model."""
    from spark_jobs import scoring

    settings = settings or load_settings()
    return scoring.run(_session(settings, "score"), settings, as_of=_day(as_of))


def assign_segments(*, as_of: str | date, settings: Settings | None = None) -> int:
    """Write the ``as_of`` partition of ``gold.user_segments`` from ``segments/*.yaml``."""
    from spark_jobs import segments

    settings = settings or load_settings()
    return segments.run(_session(settings, "segments"), settings, as_of=_day(as_of))


def check_quality(*, as_of: str | date, settings: Settings | None = None) -> dict[str, Any]:
    """Validate the gold snapshots; raises ``QualityCheckError`` so nothing is published."""
    from spark_jobs import quality

    settings = settings or load_settings()
    return _summary(quality.run(_session(settings, "quality"), settings, as_of=_day(as_of)))


TABLES = DAILY_TABLES  # every table a daily run writes

STEPS = (
    "ingest_events",
    "clean_events",
    "update_users",
    "compute_features",
    "train_model",
    "score_users",
    "assign_segments",
    "check_quality",
)


def run_daily(*, as_of: str | date, settings: Settings | None = None) -> dict[str, Any]:
    """Every step in order, in this process (for notebooks and tests; Airflow runs the DAG)."""
    settings = settings or load_settings()
    done: dict[str, Any] = {"ingest_events": ingest_events(settings=settings)}
    for step in STEPS[1:]:
        done[step] = globals()[step](as_of=as_of, settings=settings)
    return done
