"""Destinations for generated rows, all behind :class:`EventSink`."""

from clarion.world.sinks.base import EventSink
from clarion.world.sinks.delta import DeltaSink, delta_table_exists
from clarion.world.sinks.kafka import KafkaSink
from clarion.world.sinks.memory import InMemorySink

__all__ = [
    "DeltaSink",
    "EventSink",
    "InMemorySink",
    "KafkaSink",
    "delta_table_exists",
]
