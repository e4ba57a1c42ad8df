"""Thin wrappers of kafka-python: the group consumer, the transactional publisher, topics."""

from speed_layer.kafka.admin import ensure_topics
from speed_layer.kafka.consumer import EventConsumer, PartitionState, parse_seq, seq_metadata
from speed_layer.kafka.producer import FATAL_ERRORS, TransactionalPublisher

__all__ = [
    "FATAL_ERRORS",
    "EventConsumer",
    "PartitionState",
    "TransactionalPublisher",
    "ensure_topics",
    "parse_seq",
    "seq_metadata",
]
