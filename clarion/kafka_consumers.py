"""The group consumer of Clarion's consumers: ``read_committed``, from the earliest offset,
and never committing by itself.

The speed layer and the dispatcher commit their offsets inside the producer's
transaction; the delivery workers commit after their outputs are durable. Either way the
consumer must not commit on its own, and must read only committed records.
"""

from __future__ import annotations

from typing import Any

from kafka import KafkaConsumer

from clarion.kafka_options import client_options
from clarion.settings import KafkaSettings

__all__ = ["group_consumer", "rewind_to_committed"]


def group_consumer(
    kafka: KafkaSettings,
    *,
    group_id: str,
    client_id: str,
    max_poll_records: int,
    session_timeout_ms: int,
    heartbeat_interval_ms: int | None = None,
    fetch_max_wait_ms: int = 100,
    group_instance_id: str | None = None,
    **tuning: Any,
) -> KafkaConsumer:
    """A group member that never auto-commits and reads only committed records.

    Args:
        heartbeat_interval_ms: a quarter of the session timeout (at least 500 ms) if not given.
        group_instance_id: static membership: a restarted process takes its partitions back
            at once instead of waiting for the dead member's session to time out.
        tuning: more ``KafkaConsumer`` options (``max_poll_interval_ms``, ...).
    """
    if heartbeat_interval_ms is None:
        heartbeat_interval_ms = max(500, session_timeout_ms // 4)
    if group_instance_id:
        tuning["group_instance_id"] = group_instance_id
    return KafkaConsumer(
        **client_options(kafka),
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        isolation_level="read_committed",
        auto_offset_reset="earliest",
        max_poll_records=max_poll_records,
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=heartbeat_interval_ms,
        fetch_max_wait_ms=fetch_max_wait_ms,
        **tuning,
    )


def rewind_to_committed(client: KafkaConsumer) -> None:
    """Seek every assigned partition back to its committed offset (the beginning if none),
    so what was read but not committed is read again."""
    for tp in client.assignment():
        committed = client.committed(tp)
        if committed is None:
            client.seek_to_beginning(tp)
        else:
            client.seek(tp, committed)
