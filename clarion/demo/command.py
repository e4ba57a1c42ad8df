"""``clarion demo``: Clarion end to end on the local stack, showing each step as it goes.

1. the local stack; 2. a synthetic world: its history straight into Delta ``bronze``
and its last day through Kafka ``events``, the history cleaned into ``silver`` once;
3. the daily batch DAG for the last day (Airflow ``dag.test()``: ingest, clean,
features, model, scores, segments, Great Expectations); 4. the publish DAG (Redis
batch view, Cassandra copy, preferences); 5. the speed layer, the dispatcher and the
delivery workers as processes, with a local SMTP server and push endpoint; 6. live
events with planted trigger patterns; 7. a campaign DAG (``campaigns/demo_flash_sale``);
8. wait until every consumer has caught up, stop the processes, print a summary.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from clarion.demo.report import StepReport
from clarion.settings import Settings, load_settings

if TYPE_CHECKING:
    from clarion.demo.steps import Live

__all__ = ["demo"]

CAMPAIGN = "demo_flash_sale"
DEMO_EVENTS_TOPIC = "demo.events"


def demo(
    users: Annotated[int, typer.Option(min=500, help="Users in the synthetic world.")] = 20_000,
    days: Annotated[int, typer.Option(min=14, max=120, help="Days of events.")] = 21,
    seed: Annotated[int, typer.Option(help="Seed of the world.")] = 7,
) -> None:
    """Run Clarion end to end on the local stack and print what it did."""
    from clarion.demo import steps

    # The demo's own events topic, emptied each run like the lake it feeds (an operator's
    # CLARION_KAFKA__EVENTS_TOPIC wins); child processes inherit it.
    os.environ.setdefault("CLARION_KAFKA__EVENTS_TOPIC", DEMO_EVENTS_TOPIC)
    settings = load_settings()
    console, out = Console(stderr=True), Console()
    report = StepReport(console)
    started = datetime.now(UTC)
    as_of = (started - timedelta(days=1)).date()

    with report.step("1/8 local stack: Kafka, Cassandra, Redis") as note:
        note(steps.stack(settings))
    with report.step(f"2/8 synthetic world: {users:,} users x {days} days") as note:
        note(steps.world(settings, users=users, days=days, seed=seed, as_of=as_of))
    with report.step("3/8 daily batch DAG (Airflow) for " + as_of.isoformat()) as note:
        model = steps.daily_batch(settings, as_of=as_of)
        note(f"(model {model['model_version']}: holdout AUC {model['auc']:.3f}, {model['status']})")
    with report.step("4/8 publish DAG: Redis batch view, Cassandra, preferences") as note:
        note(steps.publish(settings, as_of=as_of))
    live = steps.Live(settings)
    try:
        with report.step("5/8 speed layer, dispatcher, delivery workers") as note:
            note(live.start())
        with report.step("6/8 live events with planted triggers") as note:
            note(live.replay(as_of=as_of))
        with report.step(f"7/8 campaign DAG campaign_{CAMPAIGN}") as note:
            campaign_run = steps.campaign(settings, campaign_id=CAMPAIGN, as_of=as_of)
            note(f"(run {campaign_run['run_id']}: {campaign_run['intents']:,} intents)")
        with report.step("8/8 drain: every consumer caught up") as note:
            note(live.drain())
    finally:
        live.stop()

    _summary(out, settings, started=started, as_of=as_of.isoformat(), live=live,
             campaign_run=campaign_run, report=report)  # fmt: skip


def _summary(
    out: Console,
    settings: Settings,
    *,
    started: datetime,
    as_of: str,
    live: Live,
    campaign_run: dict[str, Any],
    report: StepReport,
) -> None:
    from clarion.demo.summary import (
        campaign_lift,
        decision_counts,
        hillstrom_lifts,
        model_row,
        table_counts,
    )

    tables = Table(title="Delta tables (rows read back with delta-rs)")
    tables.add_column("table")
    tables.add_column("rows", justify="right")
    for name, count in table_counts(settings):
        tables.add_row(name, "-" if count is None else f"{count:,}")
    out.print(tables)

    model = model_row(settings, as_of) or {}
    out.print(
        f"Model {model.get('model_version')}: holdout AUC {model.get('auc', float('nan')):.4f}, "
        f"log loss {model.get('logloss', float('nan')):.4f} ({model.get('status')})"
    )
    decisions = Table(title="Dispatcher decisions this run (Cassandra decision log)")
    for col in ("source", "outcome", "reason", "count"):
        decisions.add_column(col, justify="right" if col == "count" else "left")
    counts = decision_counts(settings, since=started)
    for (source, outcome, reason), n in sorted(counts.items()):
        decisions.add_row(source, outcome, reason, f"{n:,}")
    out.print(decisions)
    out.print(
        "Delivered to the local providers: "
        + ", ".join(f"{c} {n:,}" for c, n in sorted(live.providers.received.items()))
        + f"; in-app and all channels' receipts on `{settings.kafka.receipts_topic}`"
    )

    out.print(
        _lift_table(
            f"Campaign {CAMPAIGN}, run {campaign_run['run_id']}: lift over holdout",
            campaign_lift(settings, campaign_id=CAMPAIGN, run_id=campaign_run["run_id"]),
        )
    )
    out.print(
        "The synthetic world does not answer campaigns and its events end on "
        f"{as_of}, before this run's attribution window: its rates measure nothing. "
        "The same measurement on a real randomized e-mail test (Hillstrom, "
        "64,000 customers; data/hillstrom):"
    )
    out.print(_lift_table("Hillstrom: each e-mail over no e-mail", hillstrom_lifts()))
    out.print(f"Campaign report: {campaign_run.get('report')}")
    out.print(f"Process logs: {live.services.log_dir}")
    out.print(f"Demo finished in {report.total:.0f}s ({os.cpu_count()} cores).")


def _lift_table(title: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(title=title)
    for col in ("arm", "metric", "value", "holdout", "abs. lift", "95% CI"):
        table.add_column(col)
    for row in rows:
        low, high = row["absolute_low"], row["absolute_high"]
        table.add_row(
            row["arm"], row["metric"], f"{row['value']:.4f}", f"{row['control_value']:.4f}",
            f"{row['absolute_lift']:+.4f}",
            "-" if low != low else f"[{low:+.4f}, {high:+.4f}]",  # NaN: undefined
        )  # fmt: skip
    return table
