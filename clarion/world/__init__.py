"""A seeded synthetic world: users, their hidden traits, and months of their events.

The world is pure data generated from a :class:`WorldSpec`; sinks write it to
Delta (``bronze.users``, ``truth.user_traits``, raw ``bronze.events``) and/or to
Kafka ``events``. ``clarion generate`` is the command-line front end.

>>> from datetime import date
>>> spec = WorldSpec(users=50, days=2, start_date=date(2026, 3, 2), seed=1)
>>> chunk = next(generate_chunks(spec))
>>> chunk.users.num_rows, chunk.users.column("user_id")[0].as_py()
(50, 'u000000000')
"""

from clarion.world.exceptions import SinkError, SinkUnavailableError, WorldError, WorldSpecError
from clarion.world.generator import WorldChunk, WorldSummary, generate_chunks, write_world
from clarion.world.model import BLOCK_USERS, UserBlock, WorldSpec, default_start_date
from clarion.world.sinks import DeltaSink, EventSink, InMemorySink, KafkaSink

__all__ = [
    "BLOCK_USERS",
    "DeltaSink",
    "EventSink",
    "InMemorySink",
    "KafkaSink",
    "SinkError",
    "SinkUnavailableError",
    "UserBlock",
    "WorldChunk",
    "WorldError",
    "WorldSpec",
    "WorldSpecError",
    "WorldSummary",
    "default_start_date",
    "generate_chunks",
    "write_world",
]
