"""``clarion demo``: Clarion end to end on the local stack, showing each step as it goes.

Today's steps: bring the stack up, write a synthetic world to Kafka ``events`` and
Delta ``bronze.events``, clean it into ``silver`` with Spark, and read every table
back with a second engine (delta-rs) for the summary. Each later layer adds its
step here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from clarion.settings import Settings, load_settings

__all__ = ["demo"]

DEMO_TABLES = (
    "bronze.users",
    "truth.user_traits",
    "bronze.events",
    "silver.events",
    "silver.quarantine",
)


@dataclass
class _Report:
    steps: list[tuple[str, float, str]] = field(default_factory=list)

    @contextmanager
    def step(self, console: Console, title: str) -> Iterator[Callable[[str], None]]:
        console.rule(f"[bold]{title}")
        started = time.perf_counter()
        note: list[str] = [""]
        yield lambda text: note.__setitem__(0, text)
        seconds = time.perf_counter() - started
        self.steps.append((title, seconds, note[0]))
        console.print(f"[green]done[/] in {seconds:.1f}s {note[0]}")


def _table_rows(settings: Settings) -> list[tuple[str, str, int | None]]:
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    rows: list[tuple[str, str, int | None]] = []
    for name in DEMO_TABLES:
        uri = settings.table_uri(name)
        try:
            count = DeltaTable(uri).to_pyarrow_dataset().count_rows()
        except TableNotFoundError:
            count = None
        rows.append((name, uri, count))
    return rows


def _topic_messages(settings: Settings, topic: str) -> int:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=list(settings.kafka.bootstrap_servers))
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = consumer.end_offsets(partitions)
        starts = consumer.beginning_offsets(partitions)
        return sum(ends[tp] - starts[tp] for tp in partitions)
    finally:
        consumer.close()


def demo(
    users: Annotated[int, typer.Option(min=100, help="Users in the synthetic world.")] = 20_000,
    days: Annotated[int, typer.Option(min=1, max=120, help="Days of events.")] = 14,
    seed: Annotated[int, typer.Option(help="Seed of the world.")] = 7,
) -> None:
    """Run Clarion end to end on the local stack and print what it wrote."""
    from clarion.stack import up
    from clarion.world import WorldSpec, write_world
    from clarion.world.cli import SinkChoice, build_sinks

    settings = load_settings()
    console = Console(stderr=True)
    report = _Report()

    with report.step(console, "1/3 local stack: Kafka, Cassandra, Redis") as note:
        reports = up(settings)
        note("(" + ", ".join(f"{r.name} {r.action} at {r.address}" for r in reports) + ")")

    with report.step(console, f"2/3 synthetic world: {users:,} users x {days} days") as note:
        spec = WorldSpec(users=users, days=days, seed=seed)
        events, users_sink, traits_sink = build_sinks(
            settings, sink=SinkChoice.both, overwrite=True
        )
        summary = write_world(
            spec, event_sinks=events, users_sink=users_sink, traits_sink=traits_sink
        )
        note(f"({summary.events:,} events to Kafka `events` and Delta `bronze.events`)")

    with report.step(console, "3/3 batch layer: clean bronze -> silver with Spark") as note:
        from spark_jobs import clean_events
        from spark_jobs.session import build_spark_session

        spark = build_spark_session(settings, app_name="clarion-demo")
        try:
            counts = clean_events.run(spark, settings)
        finally:
            spark.stop()
        note(f"({counts.silver:,} valid, {counts.quarantine:,} quarantined)")

    out = Console()
    tables = Table(title="Delta tables (row counts read back with delta-rs)")
    for col in ("table", "rows", "location"):
        tables.add_column(col)
    for name, uri, count in _table_rows(settings):
        tables.add_row(name, "-" if count is None else f"{count:,}", uri)
    out.print(tables)
    topic = settings.kafka.events_topic
    out.print(f"Kafka `{topic}` holds {_topic_messages(settings, topic):,} messages")
    by_type = ", ".join(f"{k}={v:,}" for k, v in summary.events_by_type.items() if v)
    out.print(f"Events by type: {by_type}")
    total = sum(seconds for _, seconds, _ in report.steps)
    out.print(f"Demo finished in {total:.0f}s. Logs: {settings.state_dir / 'services'}")
