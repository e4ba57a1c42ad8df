"""A synthetic event stream with planted trigger patterns, invalid messages and re-sent
duplicates, and the intents it must produce. Deterministic for a seed.

Background users never trigger a rule by construction: at most two small transactions,
one failed login, and every cart add is bought within ten minutes.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

from speed_layer.rules.engine import iso_ms

__all__ = ["MINUTE", "PlantedStream", "event_json", "planted_stream"]

MINUTE = 60_000
MEAN = 20.0  # the batch view's 30-day mean transaction amount of the risk users


def event_json(event_id: str, user: str, kind: str, ts_ms: int, **props: object) -> bytes:
    doc = {
        "schema_version": 1,
        "event_id": event_id,
        "user_id": user,
        "type": kind,
        "ts": iso_ms(ts_ms),
        "properties": props,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


@dataclass
class PlantedStream:
    messages: list[tuple[bytes, bytes]] = field(default_factory=list)  # (key, value)
    expected: set[str] = field(default_factory=set)  # idempotency keys, each exactly once
    invalid: set[bytes] = field(default_factory=set)  # values that must be dead-lettered
    valid_ids: dict[str, str] = field(default_factory=dict)  # event id -> user
    batch_views: dict[str, dict[str, str]] = field(default_factory=dict)
    duplicates: int = 0


class _Builder:
    def __init__(self, prefix: str, rng: random.Random, start: int, span: int) -> None:
        self.prefix, self.rng, self.start, self.span = prefix, rng, start, span
        self.timed: list[tuple[int, int, bytes, bytes]] = []
        self.out = PlantedStream()
        self.n = 0

    def when(self, margin: int = 60 * MINUTE) -> int:
        return self.start + self.rng.randrange(0, self.span - margin)

    def add(self, user: str, kind: str, ts: int, **props: object) -> str:
        self.n += 1
        eid = f"{self.prefix}-{self.n}"
        self.timed.append((ts, self.n, user.encode(), event_json(eid, user, kind, ts, **props)))
        self.out.valid_ids[eid] = user
        return eid

    def raw(self, ts: int, key: bytes, value: bytes) -> None:
        self.n += 1
        self.timed.append((ts, self.n, key, value))
        self.out.invalid.add(value)


def _patterns(b: _Builder, units: int) -> None:
    p, rng, out = b.prefix, b.rng, b.out
    for i in range(units):
        kind = i % 5
        user = f"{p}-p{i}"
        t = b.when()
        if kind == 0:  # risk: > 5x the 30-day mean, after a normal one
            out.batch_views[user] = {"transaction_amount_mean_30d": str(MEAN)}
            b.add(user, "transaction", t, amount=MEAN, merchant="grocer")
            eid = b.add(user, "transaction", t + 5 * MINUTE, amount=MEAN * 6, merchant="jeweller")
            out.expected.add(f"risk_unusual_transaction:{eid}")
        elif kind == 1:  # burst: 5 transactions in 4 minutes, a 6th inside the cooldown
            ids = [
                b.add(user, "transaction", t + k * 50_000, amount=3, merchant="arcade")
                for k in range(6)
            ]
            out.expected.add(f"transaction_burst:{ids[4]}")
        elif kind == 2:  # 3 failed logins in 5 minutes; a 4th inside the cooldown
            ids = [b.add(user, "login_failure", t + k * 100_000) for k in range(4)]
            out.expected.add(f"repeated_login_failures:{ids[2]}")
        elif kind == 3:  # abandoned cart; the second add supersedes the first
            b.add(user, "add_to_cart", t, product_id="sku1", category="toys", price=9.5)
            eid = b.add(
                user, "add_to_cart", t + 5 * MINUTE, product_id="sku2", category="toys", price=4.0
            )
            out.expected.add(f"cart_abandoned:{eid}")
        else:  # converted cart: bought within the half hour, no intent
            b.add(user, "add_to_cart", t, product_id="sku3", category="books", price=12.0)
            b.add(
                user,
                "purchase",
                t + rng.randrange(1, 29) * MINUTE,
                order_id=f"o{i}",
                amount=12.0,
                category="books",
            )


def _background(b: _Builder, count: int, users: int) -> None:
    rng, p = b.rng, b.prefix
    kinds = ("page_view", "product_view", "search", "app_open", "wishlist")
    budget: dict[str, int] = {}
    while count > 0:
        user = f"{p}-b{rng.randrange(users)}"
        t = b.when()
        roll = rng.random()
        used = budget.get(user, 0)
        if roll < 0.03 and used == 0:  # a cart that converts
            b.add(user, "add_to_cart", t, product_id="sku9", category="home", price=30.0)
            b.add(
                user, "purchase", t + 9 * MINUTE, order_id=f"b{count}", amount=30.0, category="home"
            )
            budget[user], count = 1, count - 2
        elif roll < 0.05 and used == 0:
            b.add(user, "transaction", t, amount=5.0, merchant="cafe")
            b.add(user, "login_failure", t + 3 * MINUTE)
            budget[user], count = 1, count - 2
        else:
            kind = kinds[rng.randrange(len(kinds))]
            props: dict[str, object] = {
                "page_view": {"page": "/home"},
                "search": {"query": "socks"},
                "app_open": {},
                "product_view": {"product_id": "sku5", "category": "home", "price": 7},
                "wishlist": {"product_id": "sku5", "category": "home"},
            }[kind]
            b.add(user, kind, t, **props)
            count -= 1


def _invalid(b: _Builder, count: int) -> None:
    p = b.prefix
    for i in range(count):
        t, kind, nonce = b.when(), i % 9, f"{p}-x{i}"
        user = f"{p}-b{i}"
        good = json.loads(event_json(nonce, user, "app_open", t))
        if kind == 0:
            value = b'{"broken json ' + nonce.encode()
        elif kind == 1:
            value = json.dumps({**good, "user_id": None}).encode()
        elif kind == 2:
            value = json.dumps({k: v for k, v in good.items() if k != "ts"}).encode()
        elif kind == 3:
            value = json.dumps({**good, "schema_version": 99}).encode()
        elif kind == 4:
            value = json.dumps({**good, "type": "teleport"}).encode()
        elif kind == 5:
            value = json.dumps({**good, "ts": "2999-01-01T00:00:00.000Z"}).encode()
        elif kind == 6:
            value = json.dumps({**good, "type": "purchase", "properties": {"amount": "x"}}).encode()
        elif kind == 7:
            value = json.dumps({**good, "properties": {"pad": "z" * 5000}}).encode()  # oversized
        else:
            value = b"\xff\xfe" + nonce.encode()
        b.raw(t, user.encode(), value)


def planted_stream(
    *,
    prefix: str,
    events: int,
    now_ms: int,
    invalid_ratio: float = 0.01,
    pattern_units: int | None = None,
    resend: int = 0,
    seed: int = 7,
    span_ms: int = 4 * 60 * MINUTE,
) -> PlantedStream:
    """About ``events`` messages over ``span_ms`` of event time ending an hour before
    ``now_ms``, sorted by event time (so each partition is in event-time order)."""
    rng = random.Random(seed)
    b = _Builder(prefix, rng, now_ms - 60 * MINUTE - span_ms, span_ms)
    units = pattern_units if pattern_units is not None else max(10, events // 60)
    _patterns(b, units)
    n_invalid = round(events * invalid_ratio)
    _background(b, max(0, events - b.n - n_invalid - resend), users=max(50, events // 20))
    _invalid(b, n_invalid)
    b.timed.sort()
    messages = [(key, value) for _, _, key, value in b.timed]
    # Re-sent copies of triggering events (a producer retry): same event id, later offset.
    triggering = [m for m in messages if b'"transaction"' in m[1] and b"jeweller" in m[1]]
    for key, value in rng.sample(triggering, min(resend, len(triggering))):
        messages.append((key, value))
        b.out.duplicates += 1
    b.out.messages = messages
    return b.out
