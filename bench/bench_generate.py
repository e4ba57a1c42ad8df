"""Throughput of ``clarion generate``'s stages, against baselines measured in the same run.

Prints events per second for: generating event columns, encoding them to contract
JSON (vectorised, vs ``Event.to_json`` per event as the baseline), writing to Delta,
and (with ``--kafka``) producing to a fresh Kafka topic on the configured broker.

    .venv/bin/python bench/bench_generate.py --users 50000 --days 30 [--kafka]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import UTC, date, datetime

import numpy as np
import psutil
from kafka import KafkaAdminClient

from clarion.events import CATEGORIES, EVENT_TYPES, Event
from clarion.kafka_options import client_options
from clarion.settings import load_settings
from clarion.world import DeltaSink, KafkaSink, WorldSpec, write_world
from clarion.world.activity import block_events
from clarion.world.catalog import Catalog
from clarion.world.columns import EventColumns
from clarion.world.encoding import BRONZE_EVENTS_SCHEMA, bronze_events
from clarion.world.population import draw_population
from clarion.world.rhythm import Clock


def _rate(label: str, rows: int, seconds: float, baseline: float | None = None) -> float:
    rate = rows / seconds
    ratio = f"  ({rate / baseline:,.1f}x baseline)" if baseline else ""
    print(f"{label:<44} {rows:>11,} rows {seconds:8.2f} s {rate:>12,.0f} rows/s{ratio}")
    return rate


def _json_baseline(cols: EventColumns, sample: int) -> tuple[int, float]:
    """Rows and seconds of ``Event.to_json`` (one ``json.dumps`` per event) on a sample."""
    started = time.perf_counter()
    for i in range(min(sample, len(cols))):
        Event(
            event_id=str(uuid.UUID(int=i)),
            user_id=f"u{int(cols.user[i]):09d}",
            type=EVENT_TYPES[int(cols.kind[i])],
            ts=datetime.fromtimestamp(int(cols.ts_ms[i]) / 1000, UTC),
            properties={"category": CATEGORIES[int(cols.category[i]) % 8], "price": 1.5},
        ).to_json()
    return min(sample, len(cols)), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--kafka", action="store_true", help="also produce to Kafka")
    args = parser.parse_args()
    spec = WorldSpec(users=args.users, days=args.days, start_date=date(2026, 1, 5), seed=1)
    clock, catalog = Clock.for_spec(spec), Catalog.for_seed(spec.seed)

    started = time.perf_counter()
    parts = [
        block_events(spec, b, draw_population(spec, b), clock=clock, catalog=catalog)
        for b in spec.blocks()
    ]
    cols = EventColumns.concat(parts)
    del parts
    _rate("generate event columns (numpy)", len(cols), time.perf_counter() - started)

    baseline = _rate("baseline: Event.to_json per event", *_json_baseline(cols, 200_000))
    started = time.perf_counter()
    table = bronze_events(cols, seed=spec.seed, start_day=spec.start_day)
    _rate("encode raw bronze rows (vectorised)", len(cols), time.perf_counter() - started, baseline)
    print(f"{'mean JSON bytes per event':<44} {table.column('value').nbytes / len(cols):>11,.0f}")
    del table, cols

    with tempfile.TemporaryDirectory() as tmp:
        sink = DeltaSink(
            f"{tmp}/events", schema=BRONZE_EVENTS_SCHEMA, partition_by=["event_date"], flush_rows=1
        )
        summary = write_world(spec, event_sinks=[sink])
        _rate("end to end: generate + Delta", summary.events, summary.seconds)

    if args.kafka:
        settings = load_settings()
        topic = f"bench_generate_{uuid.uuid4().hex[:8]}"
        try:
            summary = write_world(spec, event_sinks=[KafkaSink(settings.kafka, topic=topic)])
            _rate("end to end: generate + Kafka (acks=all, gzip)", summary.events, summary.seconds)
        finally:
            admin = KafkaAdminClient(**client_options(settings.kafka))
            admin.delete_topics([topic])
            admin.close()
    rss = psutil.Process().memory_info().rss / 2**20
    print(f"{'resident memory now (MB)':<44} {rss:>11,.0f}   (numpy {np.__version__})")


if __name__ == "__main__":
    main()
