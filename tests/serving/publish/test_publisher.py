"""publish_batch_view with in-memory stores over real Delta tables on local disk (no services)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from serving.publish import (
    DeltaViewSource,
    PublishError,
    SourceTableError,
    VerificationError,
    publish_batch_view,
)
from serving.stores import ChunkKind, InMemoryBatchViewStore, InMemoryCheckpointStore
from serving.view import InMemoryRealtimeView, MergedViewReader

from .builders import (
    BATCH_FEATURES,
    feature_table,
    score_table,
    segment_table,
    users,
    write_gold,
)

DAY = date(2026, 11, 27)
N = 120


class Crash(Exception):
    pass


def crash_after(n: int) -> Callable[[ChunkKind, int], None]:
    def hook(kind: ChunkKind, done: int) -> None:
        if done >= n:
            raise Crash(f"after {done} chunks ({kind})")

    return hook


@pytest.fixture(scope="module")
def gold(tmp_path_factory: pytest.TempPathFactory) -> dict[ChunkKind, str]:
    root = tmp_path_factory.mktemp("lake")
    write_gold(root, users(40), as_of=date(2026, 11, 26), seed=9)  # another day: filtered out
    return write_gold(root, users(N), as_of=DAY, files=3)


def publish(uris: dict[ChunkKind, str], *stores: InMemoryBatchViewStore, **kw: Any) -> Any:
    checkpoints = kw.pop("checkpoints", None) or InMemoryCheckpointStore()
    src = DeltaViewSource(uris=uris, as_of=kw.pop("as_of", DAY), rows_per_chunk=17)
    return publish_batch_view(source=src, stores=list(stores), checkpoints=checkpoints, **kw)


def test_a_clean_publish_holds_every_user_typed_back_with_scores_and_segments(
    gold: dict[ChunkKind, str],
) -> None:
    store = InMemoryBatchViewStore()
    result = publish(gold, store)
    assert result.version == "2026-11-27.r1" and result.users == N and not result.resumed
    assert store.current == result.version and store.count_users(version=result.version) == N
    reader = MergedViewReader(batch=store, realtime=InMemoryRealtimeView())
    scores = {r["user_id"]: r["score"] for r in score_table(users(N), as_of=DAY).to_pylist()}
    memberships: dict[str, set[str]] = {}
    for row in segment_table(users(N), as_of=DAY).to_pylist():
        memberships.setdefault(row["user_id"], set()).add(row["segment"])
    for row in feature_table(users(N), as_of=DAY).to_pylist():
        view = reader.read(row["user_id"])
        assert view.batch_as_of == DAY and view.batch_version == result.version
        for feature in BATCH_FEATURES:
            want = row[feature.name]
            if want is None:
                assert feature.name not in view.batch
            else:
                assert view.batch[feature.name] == (dict(want) if isinstance(want, list) else want)
        assert view.score == scores[row["user_id"]] and view.model_version == "xgb-7"
        assert view.segments == tuple(sorted(memberships.get(row["user_id"], ())))
    assert result.rows["segments"] == sum(len(s) for s in memberships.values())


@pytest.mark.parametrize("crash_at", [1, 9, 14, 25])  # features (and its last), scores, segments
def test_a_crash_then_rerun_equals_a_clean_run_exactly_once(
    gold: dict[ChunkKind, str], crash_at: int
) -> None:
    clean = InMemoryBatchViewStore()
    clean_result = publish(gold, clean)
    store, checkpoints = InMemoryBatchViewStore(), InMemoryCheckpointStore()
    with pytest.raises(Crash):
        publish(gold, store, checkpoints=checkpoints, on_checkpoint=crash_after(crash_at))
    assert store.current is None, "readers must not be switched before the end"
    seen: list[ChunkKind] = []
    result = publish(
        gold, store, checkpoints=checkpoints, on_checkpoint=lambda k, d: seen.append(k)
    )
    assert result.resumed and result.rows == clean_result.rows
    assert store.versions == clean.versions and store.current == clean.current
    total_chunks = crash_at + len(seen)  # resumed, not restarted: no chunk written twice
    clean_chunks: list[ChunkKind] = []
    publish(gold, InMemoryBatchViewStore(), on_checkpoint=lambda k, d: clean_chunks.append(k))
    assert total_chunks == len(clean_chunks)


def test_a_published_version_is_not_published_twice(gold: dict[ChunkKind, str]) -> None:
    store, checkpoints = InMemoryBatchViewStore(), InMemoryCheckpointStore()
    publish(gold, store, checkpoints=checkpoints)
    again = publish(gold, store, checkpoints=checkpoints, on_checkpoint=crash_after(1))
    assert again.already_published and again.users == N


def test_a_resumed_run_reads_the_delta_snapshot_it_started_on(
    tmp_path: Path,
) -> None:
    uris = write_gold(tmp_path, users(60), as_of=DAY, files=2)
    store, checkpoints = InMemoryBatchViewStore(), InMemoryCheckpointStore()
    with pytest.raises(Crash):
        publish(uris, store, checkpoints=checkpoints, on_checkpoint=crash_after(2))
    write_gold(tmp_path, users(10, start=60), as_of=DAY, files=1, seed=5)  # lands mid-run
    result = publish(uris, store, checkpoints=checkpoints)
    assert result.users == 60 and store.count_users(version=result.version) == 60


def test_switching_expires_the_previous_version_and_refuses_going_back(
    tmp_path: Path,
) -> None:
    earlier = date(2026, 11, 26)
    uris = write_gold(tmp_path, users(30), as_of=earlier)
    write_gold(tmp_path, users(30), as_of=DAY)
    store, checkpoints = InMemoryBatchViewStore(), InMemoryCheckpointStore()
    publish(uris, store, checkpoints=checkpoints, as_of=earlier)
    result = publish(uris, store, checkpoints=checkpoints)
    assert result.previous == {"memory": "2026-11-26.r1"}
    assert store.current == "2026-11-27.r1" and store.expired == {"2026-11-26.r1"}
    with pytest.raises(PublishError, match="newer than"):
        publish(uris, store, checkpoints=checkpoints, as_of=earlier, run_id="r2")
    assert store.current == "2026-11-27.r1"
    publish(uris, store, checkpoints=checkpoints, as_of=earlier, run_id="r3", allow_older=True)
    assert store.current == "2026-11-26.r3"


def test_scores_of_users_without_features_fail_verification_without_switching(
    tmp_path: Path,
) -> None:
    uris = write_gold(tmp_path, users(20), as_of=DAY)
    write_deltalake(
        uris["scores"], score_table(["ghost"], as_of=DAY), mode="append", partition_by=["as_of"]
    )
    store = InMemoryBatchViewStore()
    with pytest.raises(VerificationError, match=r"holds 21 users .* had 20 rows"):
        publish(uris, store)
    assert store.current is None and store.runs["2026-11-27.r1"].status == "failed"


def test_an_empty_day_or_a_missing_table_is_refused(tmp_path: Path) -> None:
    uris = write_gold(tmp_path, users(5), as_of=DAY)
    with pytest.raises(VerificationError, match="no rows for 2026-11-20"):
        publish(uris, InMemoryBatchViewStore(), as_of=date(2026, 11, 20))
    missing = {**uris, "scores": str(tmp_path / "nowhere")}
    with pytest.raises(SourceTableError, match=r"gold\.user_scores not found"):
        publish(missing, InMemoryBatchViewStore())


def test_tables_not_partitioned_by_as_of_are_filtered_too(tmp_path: Path) -> None:
    uris: dict[ChunkKind, str] = {}
    for kind, build in (("features", feature_table), ("scores", score_table)):
        both = pa.concat_tables(
            [build(users(30), as_of=DAY), build(users(10), as_of=date(2026, 11, 26))]
        )
        uris[kind] = str(tmp_path / kind)
        write_deltalake(uris[kind], both)
    uris["segments"] = str(tmp_path / "segments")
    write_deltalake(uris["segments"], segment_table(users(30), as_of=DAY))
    store = InMemoryBatchViewStore()
    assert publish(uris, store).users == 30 == store.count_users(version="2026-11-27.r1")
