"""The Airflow Assets DAGs hand each other (imported by DAG files; Airflow is imported lazily).

``clarion://gold/daily`` is emitted by ``dags/daily_batch.py`` (``publish_gold``)
with ``{"as_of": "YYYY-MM-DD"}`` when a checked gold day is ready; campaign
DAGs wait for it. Name and URI must stay equal to the emitter's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow.sdk import Asset

__all__ = ["GOLD_DAILY_NAME", "GOLD_DAILY_URI", "gold_daily"]

GOLD_DAILY_URI = "clarion://gold/daily"
GOLD_DAILY_NAME = "clarion_gold_daily"


def gold_daily() -> Asset:
    """The asset announcing a checked gold day (its events carry ``extra["as_of"]``)."""
    from airflow.sdk import Asset

    return Asset(uri=GOLD_DAILY_URI, name=GOLD_DAILY_NAME)
