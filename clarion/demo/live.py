"""Live events with planted trigger patterns: what the demo replays into Kafka ``events``.

Three patterns, one per kind of trigger rule in ``rules/triggers.yaml``:

- an unusual transaction (ten times the user's 30-day mean, from the published batch
  view): the event rule ``risk_unusual_transaction``;
- three failed logins within two minutes: the window rule ``repeated_login_failures``;
- an ``add_to_cart`` 45 minutes ago and no purchase since: the absence rule
  ``cart_abandoned`` (its 30-minute timer is already due).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from clarion.events import Event
from clarion.settings import Settings

__all__ = ["planted_events", "produce"]


def _event(user: str, kind: str, ts: datetime, **properties: object) -> Event:
    return Event(event_id=str(uuid.uuid4()), user_id=user, type=kind, ts=ts, properties=properties)


def planted_events(
    *,
    now: datetime,
    transaction_means: Mapping[str, float],
    cart_users: Sequence[str],
    login_users: Sequence[str],
) -> list[Event]:
    """The planted events, oldest first. ``now`` must be timezone-aware."""
    events: list[Event] = []
    for user in cart_users:
        events.append(
            _event(user, "add_to_cart", now - timedelta(minutes=45),
                   product_id="p000042", category="electronics", price=129.0)
        )  # fmt: skip
    for user in login_users:
        events.extend(
            _event(user, "login_failure", now - timedelta(minutes=3 - n)) for n in range(3)
        )
    for user, mean in transaction_means.items():
        events.append(
            _event(user, "transaction", now, amount=round(10 * mean, 2), merchant="demo-merchant")
        )
    return sorted(events, key=lambda e: e.ts)


def produce(settings: Settings, events: Iterable[Event]) -> int:
    """Send ``events`` to the events topic (key = user id); returns how many."""
    from kafka import KafkaProducer

    from clarion.kafka_options import client_options

    producer = KafkaProducer(**client_options(settings.kafka), acks="all", linger_ms=5)
    sent = 0
    try:
        for event in events:
            producer.send(
                settings.kafka.events_topic, key=event.key(), value=event.to_json().encode()
            )
            sent += 1
        producer.flush()
    finally:
        producer.close()
    return sent
