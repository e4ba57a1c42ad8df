"""``clarion generate``: write a seeded synthetic world to Delta and/or Kafka.

Users go to ``bronze.users``, the hidden ground truth to ``truth.user_traits``
(both Delta), and events either to Kafka ``events`` (key = user id), straight
to the raw ``bronze.events`` Delta table, or both.
"""

from __future__ import annotations

import time
from datetime import date
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from clarion.settings import Settings, load_settings
from clarion.world.encoding import BRONZE_EVENTS_SCHEMA
from clarion.world.exceptions import WorldSpecError
from clarion.world.generator import WorldSummary, write_world
from clarion.world.model import WorldSpec, default_start_date
from clarion.world.sinks import DeltaSink, EventSink, KafkaSink, delta_table_exists
from clarion.world.sinks.delta import WriteMode

__all__ = ["SinkChoice", "build_sinks", "generate"]

USERS_TABLE = "bronze.users"
TRAITS_TABLE = "truth.user_traits"
EVENTS_TABLE = "bronze.events"


class SinkChoice(StrEnum):
    """Where events go."""

    delta = "delta"
    kafka = "kafka"
    both = "both"


def _parse_date(text: str | None, days: int) -> date:
    if text is None:
        return default_start_date(days)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise WorldSpecError(f"--start-date must look like YYYY-MM-DD, got {text!r}") from None


def build_sinks(
    settings: Settings, *, sink: SinkChoice, overwrite: bool
) -> tuple[list[EventSink], EventSink | None, EventSink | None]:
    """The event sinks, and the users and traits sinks (``None`` when kept as they are).

    With ``overwrite`` every table is replaced. Otherwise events are appended
    and existing users and traits tables are left alone: the same seed gives the
    same people, so only a later window of their events is added.
    """
    mode: WriteMode = "overwrite" if overwrite else "append"
    events: list[EventSink] = []
    if sink in (SinkChoice.delta, SinkChoice.both):
        events.append(
            DeltaSink(
                settings.table_uri(EVENTS_TABLE),
                schema=BRONZE_EVENTS_SCHEMA,
                mode=mode,
                partition_by=["event_date"],
                flush_rows=1,  # commit every chunk: memory stays one chunk deep
            )
        )
    if sink in (SinkChoice.kafka, SinkChoice.both):
        events.append(KafkaSink(settings.kafka, topic=settings.kafka.events_topic))
    others: list[EventSink | None] = []
    for name in (USERS_TABLE, TRAITS_TABLE):
        uri = settings.table_uri(name)
        if not overwrite and delta_table_exists(uri):
            others.append(None)
        else:
            others.append(DeltaSink(uri, mode="overwrite", flush_rows=250_000))
    return events, others[0], others[1]


def _progress(console: Console, *, enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]generating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("users"),
        TaskProgressColumn(),
        TextColumn("{task.fields[events]:,} events · {task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not enabled,
    )


def _print_summary(summary: WorldSummary, console: Console) -> None:
    table = Table(title="clarion generate", show_header=True, header_style="bold")
    table.add_column("event type")
    table.add_column("events", justify="right")
    for name, count in summary.events_by_type.items():
        table.add_row(name, f"{count:,}")
    table.add_row("[bold]total", f"[bold]{summary.events:,}")
    console.print(table)
    rate = summary.events / summary.seconds if summary.seconds else 0.0
    console.print(
        f"users: {summary.users:,}   events: {summary.events:,}   "
        f"time: {summary.seconds:,.1f} s   ({rate:,.0f} events/s)"
    )
    for what, where in summary.destinations:
        console.print(f"  {what:<7} -> {where}")


def generate(
    users: Annotated[int, typer.Option(help="Number of users.")] = 10_000,
    days: Annotated[int, typer.Option(help="Days of events.")] = 30,
    seed: Annotated[int, typer.Option(help="Seed: same seed and options, same world.")] = 42,
    start_date: Annotated[
        str | None,
        typer.Option(help="First UTC day, YYYY-MM-DD [default: DAYS days before today]."),
    ] = None,
    sink: Annotated[SinkChoice, typer.Option(help="Where events go.")] = SinkChoice.delta,
    chunk_users: Annotated[
        int, typer.Option(help="Users generated and written at once (bounds memory).")
    ] = 20_000,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite/--append",
            help="Replace the tables, or append events for the same users (e.g. a later window).",
        ),
    ] = True,
    progress: Annotated[bool, typer.Option(help="Show a progress bar on stderr.")] = True,
) -> None:
    """Write a seeded synthetic world: users, their hidden traits, and their events."""
    spec = WorldSpec(
        users=users,
        days=days,
        start_date=_parse_date(start_date, days),
        seed=seed,
        chunk_users=chunk_users,
    )
    settings = load_settings()
    event_sinks, users_sink, traits_sink = build_sinks(settings, sink=sink, overwrite=overwrite)
    err = Console(stderr=True)
    err.print(
        f"world: {spec.users:,} users x {spec.days} days from {spec.start_date} "
        f"(seed {spec.seed}), events -> {sink.value}"
    )
    live = progress and err.is_terminal
    with _progress(err, enabled=live) as bar:
        task = bar.add_task("generate", total=spec.users, events=0, rate="")
        done = [0, 0]
        started = time.perf_counter()

        def on_chunk(chunk_users: int, chunk_events: int) -> None:
            before = done[0]
            done[0] += chunk_users
            done[1] += chunk_events
            elapsed = max(time.perf_counter() - started, 1e-6)
            rate = f"{done[0] / elapsed:,.0f} users/s, {done[1] / elapsed:,.0f} events/s"
            bar.update(task, advance=chunk_users, events=done[1], rate=rate)
            if progress and not live and done[0] * 10 // spec.users > before * 10 // spec.users:
                # Not a terminal (a log file, CI): a plain line every 10 % instead of a bar.
                err.print(f"{done[0]:,}/{spec.users:,} users, {done[1]:,} events, {rate}")

        summary = write_world(
            spec,
            event_sinks=event_sinks,
            users_sink=users_sink,
            traits_sink=traits_sink,
            on_chunk=on_chunk,
        )
    if users_sink is None:
        summary.destinations.append(("users", f"{settings.table_uri(USERS_TABLE)} (kept)"))
    if traits_sink is None:
        summary.destinations.append(("traits", f"{settings.table_uri(TRAITS_TABLE)} (kept)"))
    _print_summary(summary, Console())
