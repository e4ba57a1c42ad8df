"""The deferred queue on the real Redis: due entries are leased, acked, or come back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis

from serving.dispatch.runtime import DeferredQueue
from serving.dispatch.runtime.deferred import deferred_member
from tests.fixtures.stack import unique_name

from ..builders import T0

pytestmark = pytest.mark.redis
VIS = timedelta(seconds=60)


@pytest.fixture
def queue(redis_client: redis.Redis) -> Iterator[DeferredQueue]:
    prefix = unique_name("deferred")
    yield DeferredQueue(redis_client, key_prefix=prefix, shards=4)
    keys = list(redis_client.scan_iter(match=f"{prefix}:*", count=10_000))
    if keys:
        redis_client.delete(*keys)


def test_only_due_entries_are_claimed_and_a_replay_overwrites(queue: DeferredQueue) -> None:
    queue.defer_many(
        [
            (deferred_member("u1", "k1"), b"one", T0),
            (deferred_member("u2", "k2"), b"two", T0 + timedelta(hours=1)),
            (deferred_member("u1", "k1"), b"one-again", T0 + timedelta(seconds=1)),
        ]
    )
    assert queue.size() == 2
    assert queue.claim_due(now=T0, limit=10, visibility=VIS) == []
    [got] = queue.claim_due(now=T0 + timedelta(seconds=1), limit=10, visibility=VIS)
    assert (got.member, got.raw) == (deferred_member("u1", "k1"), b"one-again")


def test_a_claim_hides_the_entry_until_acked_or_its_lease_ends(queue: DeferredQueue) -> None:
    member = deferred_member("u1", "k1")
    queue.defer_many([(member, b"x", T0)])
    [claim] = queue.claim_due(now=T0, limit=10, visibility=VIS)
    assert queue.claim_due(now=T0 + timedelta(seconds=59), limit=10, visibility=VIS) == []
    [again] = queue.claim_due(now=T0 + timedelta(seconds=61), limit=10, visibility=VIS)
    queue.ack_many([claim])  # a stale lease: the entry was claimed again since
    assert queue.size() == 1
    queue.ack_many([again])
    assert queue.size() == 0


def test_a_re_deferral_survives_the_ack_of_its_old_claim(queue: DeferredQueue) -> None:
    member = deferred_member("u1", "k1")
    queue.defer_many([(member, b"x", T0)])
    [claim] = queue.claim_due(now=T0, limit=10, visibility=VIS)
    queue.defer_many([(member, b"x", T0 + timedelta(hours=8))])  # quiet hours again
    queue.ack_many([claim])
    assert queue.size() == 1
    assert queue.due_count(now=T0 + timedelta(hours=8)) == 1


def test_claims_spread_over_shards_up_to_the_limit(queue: DeferredQueue) -> None:
    queue.defer_many([(deferred_member(f"u{n}", "k"), b"x", T0) for n in range(40)])
    first = queue.claim_due(now=T0, limit=25, visibility=VIS)
    rest = queue.claim_due(now=T0, limit=25, visibility=VIS)
    assert len(first) == 25 and len(rest) == 15
    assert len({c.member for c in first + rest}) == 40
