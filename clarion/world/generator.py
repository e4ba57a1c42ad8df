"""Generate a world chunk by chunk and hand each chunk to the sinks.

:func:`generate_chunks` is pure: it yields Arrow tables and touches nothing
else. :func:`write_world` is the one wiring point that drives the sinks'
lifecycle. Memory stays bounded by the chunk size: a chunk is written and
dropped before the next is generated.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from clarion.events import EVENT_TYPES
from clarion.world.activity import block_events
from clarion.world.catalog import Catalog
from clarion.world.columns import EventColumns
from clarion.world.encoding import bronze_events
from clarion.world.model import WorldSpec
from clarion.world.population import Population, draw_population, traits_table, users_table
from clarion.world.rhythm import Clock
from clarion.world.sinks.base import EventSink

__all__ = ["WorldChunk", "WorldSummary", "generate_chunks", "write_world"]


@dataclass(frozen=True, slots=True)
class WorldChunk:
    """The users of one chunk: their rows, hidden traits and raw events."""

    users: pa.Table
    traits: pa.Table
    events: pa.Table
    events_by_type: np.ndarray  # counts per EVENT_TYPES index


@dataclass(slots=True)
class WorldSummary:
    """What a run wrote."""

    users: int = 0
    events_by_type: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EVENT_TYPES, 0))
    seconds: float = 0.0
    destinations: list[tuple[str, str]] = field(default_factory=list)  # (what, where)

    @property
    def events(self) -> int:
        """Total events written."""
        return sum(self.events_by_type.values())


def generate_chunks(spec: WorldSpec) -> Iterator[WorldChunk]:
    """The world, one chunk of about ``spec.chunk_users`` users at a time."""
    clock = Clock.for_spec(spec)
    catalog = Catalog.for_seed(spec.seed)
    for blocks in spec.chunks():
        pops = [draw_population(spec, block) for block in blocks]
        events = EventColumns.concat(
            [
                block_events(spec, block, pop, clock=clock, catalog=catalog)
                for block, pop in zip(blocks, pops, strict=True)
            ]
        )
        pop = Population.concat(pops)
        yield WorldChunk(
            users=users_table(pop, seed=spec.seed),
            traits=traits_table(pop, start_day=spec.start_day, days=spec.days),
            events=bronze_events(events, seed=spec.seed, start_day=spec.start_day),
            events_by_type=np.bincount(events.kind, minlength=len(EVENT_TYPES)),
        )
        del pops, pop, events  # free this chunk before generating the next


ProgressCallback = Callable[[int, int], None]
"""Called after each chunk with the chunk's user and event counts."""


def write_world(
    spec: WorldSpec,
    *,
    event_sinks: Sequence[EventSink],
    users_sink: EventSink | None = None,
    traits_sink: EventSink | None = None,
    on_chunk: ProgressCallback | None = None,
) -> WorldSummary:
    """Generate ``spec`` and write users, hidden traits and events to their sinks.

    Args:
        spec: the world to generate.
        event_sinks: where the raw events go (Delta ``bronze.events``, Kafka, ...).
        users_sink: where ``bronze.users`` rows go; ``None`` skips them.
        traits_sink: where ``truth.user_traits`` rows go; ``None`` skips them.
        on_chunk: progress callback.

    Returns:
        Counts, elapsed time and destinations.
    """
    named = [("events", s) for s in event_sinks]
    named += [(n, s) for n, s in (("users", users_sink), ("traits", traits_sink)) if s is not None]
    summary = WorldSummary(destinations=[(n, s.destination) for n, s in named])
    started = time.perf_counter()
    opened: list[EventSink] = []
    try:
        for _, sink in named:
            sink.setup()
            opened.append(sink)
        for chunk in generate_chunks(spec):
            for sink in event_sinks:
                sink.write(chunk.events)
            if users_sink is not None:
                users_sink.write(chunk.users)
            if traits_sink is not None:
                traits_sink.write(chunk.traits)
            summary.users += chunk.users.num_rows
            for name, count in zip(EVENT_TYPES, chunk.events_by_type.tolist(), strict=True):
                summary.events_by_type[name] += count
            if on_chunk is not None:
                on_chunk(chunk.users.num_rows, chunk.events.num_rows)
            del chunk
        for sink in opened:
            sink.flush()
    finally:
        for sink in reversed(opened):
            sink.close()
    summary.seconds = time.perf_counter() - started
    return summary
