"""Replay determinism: after a crash the batch since the last commit is processed again on
a store that already holds its effects; the decisions and the final state are the same."""

from __future__ import annotations

import copy
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from speed_layer.models import SourceMessage
from speed_layer.rules import RuleSet
from speed_layer.state import MemoryStore
from tests.speed_layer._local import NOW, LocalRun
from tests.speed_layer._stream import planted_stream

PARTITIONS = 3


def messages(seed: int, events: int = 400) -> tuple[list[SourceMessage], dict]:
    stream = planted_stream(
        prefix="r",
        events=events,
        now_ms=NOW,
        seed=seed,
        resend=3,
        pattern_units=25,
        span_ms=3 * 3_600_000,
    )
    offsets = dict.fromkeys(range(PARTITIONS), 0)
    out = []
    for key, value in stream.messages:
        p = zlib.crc32(key) % PARTITIONS
        out.append(SourceMessage("events", p, offsets[p], key, value))
        offsets[p] += 1
    return out, stream.batch_views


def snapshot(store: MemoryStore) -> dict:
    users = {
        u: {k: dict(v) if isinstance(v, dict) else v for k, v in vars(s).items()}
        for u, s in store.users.items()
    }
    for u in users.values():
        u["events"] = {t: dict(z) for t, z in u["events"].items() if z}
    return copy.deepcopy(
        {
            "users": users,
            "timers": dict(store.partition_timers),
            "inflight": {p: d for p, d in store.inflight.items() if d},
            "watermarks": store.watermarks,
        }
    )


def run_all(
    rules: RuleSet,
    msgs: list[SourceMessage],
    views: dict,
    size: int,
    crash_at: int | None = None,
    replay_size: int | None = None,
) -> tuple[set, dict]:
    run = LocalRun(rules, batch_views=views, partitions=PARTITIONS)
    committed: list = []
    i, n = 0, 0
    while i < len(msgs):
        step = size if crash_at is None or n < crash_at else (replay_size or size)
        batch = msgs[i : i + step]
        if n == crash_at:
            run.process(batch, commit=False)  # the process dies before the commit
            crash_at = None  # restart: the same messages come again, maybe batched otherwise
            n += 1
            continue
        committed += run.intents(batch)
        i += step
        n += 1
    committed += run.flush()
    identities = [x.identity() for x in committed]
    assert len(identities) == len(set(identities))
    return set(identities), snapshot(run.store)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    size=st.integers(5, 120),
    crash_at=st.integers(0, 30),
    replay_size=st.integers(1, 200),
)
def test_a_crash_at_any_batch_changes_nothing(
    rules: RuleSet, seed: int, size: int, crash_at: int, replay_size: int
) -> None:
    msgs, views = messages(seed)
    expected, state = run_all(rules, msgs, views, size)
    assert expected  # the stream plants patterns that fire
    got, replayed_state = run_all(rules, msgs, views, size, crash_at, replay_size)
    assert got == expected
    assert replayed_state == state


def test_reprocessing_a_suffix_gives_the_same_intents_and_state(rules: RuleSet) -> None:
    msgs, views = messages(seed=11, events=600)
    run = LocalRun(rules, batch_views=views, partitions=PARTITIONS)
    cut = len(msgs) * 2 // 3
    run.intents(msgs[:cut])
    first = run.process(msgs[cut:], commit=False)
    before = snapshot(run.store)
    again = run.process(msgs[cut:], commit=False)
    assert [i.identity() for i in again.intents] == [i.identity() for i in first.intents]
    assert again.dead_letters == first.dead_letters
    assert snapshot(run.store) == before
    assert first.intents
