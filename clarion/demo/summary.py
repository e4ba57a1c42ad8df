"""What the demo reports at the end, read back from the stores themselves."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from clarion.lake_tables import DAILY_TABLES
from clarion.settings import Settings

__all__ = [
    "DEMO_TABLES",
    "campaign_lift",
    "decision_counts",
    "hillstrom_lifts",
    "model_row",
    "table_counts",
]

DEMO_TABLES = (
    "bronze.users",
    "truth.user_traits",
    *DAILY_TABLES,
    "gold.campaign_audiences",
    "gold.campaign_results",
)


def table_counts(settings: Settings) -> list[tuple[str, int | None]]:
    """Row count of each demo table, read with delta-rs (None: not written)."""
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    counts: list[tuple[str, int | None]] = []
    for name in DEMO_TABLES:
        try:
            counts.append(
                (name, DeltaTable(settings.table_uri(name)).to_pyarrow_dataset().count_rows())
            )
        except TableNotFoundError:
            counts.append((name, None))
    return counts


def model_row(settings: Settings, as_of: str) -> dict[str, Any] | None:
    """The registry's row for ``as_of``."""
    from deltalake import DeltaTable

    rows = DeltaTable(settings.table_uri("ml.model_registry")).to_pandas()
    match = rows[rows["as_of"].astype(str) == as_of]
    return None if match.empty else dict(match.iloc[0])


def decision_counts(settings: Settings, *, since: datetime) -> Counter[tuple[str, str, str]]:
    """(source, outcome, reason) -> decisions logged in Cassandra since ``since``.

    A ``stale`` suppression that came from a deferral (quiet hours, say) that would have
    outlived the intent's TTL says so: ``stale (quiet_hours past TTL)``.
    """
    from clarion.stack.cassandra import cluster
    from serving.inbox.tables import InboxConfig

    table = InboxConfig(keyspace=settings.cassandra.keyspace).decisions_table
    cass = cluster(settings)
    try:
        session = cass.connect(settings.cassandra.keyspace)
        rows = session.execute(
            f"SELECT source, outcome, reason, inputs, decided_at FROM {table}", timeout=60
        )
        after = since.astimezone(UTC).replace(tzinfo=None)  # the driver returns naive UTC
        return Counter(
            (r.source, r.outcome, _reason(r.reason, r.inputs))
            for r in rows
            if r.decided_at >= after
        )
    finally:
        cass.shutdown()


def _reason(reason: str, inputs: str | None) -> str:
    if reason != "stale" or not inputs:
        return reason
    deferral = json.loads(inputs).get("deferral") or {}
    return f"stale ({deferral['by']} past TTL)" if deferral.get("by") else reason


def hillstrom_lifts() -> list[dict[str, Any]]:
    """Visit and conversion lift of each e-mail over no e-mail in the real Hillstrom
    experiment (``data/hillstrom``), by the measurement code the campaign DAGs use."""
    from marketing.hillstrom import hillstrom_outcomes, load_hillstrom
    from marketing.measurement import proportion_lifts

    outcomes = hillstrom_outcomes(load_hillstrom())
    return [
        {
            "arm": lift.variant,
            "metric": f"{lift.outcome}_rate",
            "value": lift.rate_variant,
            "control_value": lift.rate_control,
            "absolute_lift": lift.absolute.estimate,
            "absolute_low": lift.absolute.low,
            "absolute_high": lift.absolute.high,
        }
        for outcome in ("visited", "converted")
        for lift in proportion_lifts(outcomes, outcome=outcome)
    ]


def campaign_lift(settings: Settings, *, campaign_id: str, run_id: str) -> list[dict[str, Any]]:
    """The run's lifts over the holdout from ``gold.campaign_results``."""
    from deltalake import DeltaTable

    rows = DeltaTable(settings.table_uri("gold.campaign_results")).to_pandas(
        filters=[("campaign_id", "=", campaign_id), ("run_id", "=", run_id)]
    )
    return [dict(r) for _, r in rows[~rows["is_control"]].iterrows()]
