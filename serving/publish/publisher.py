"""``publish_batch_view``: one day of gold tables into every batch-view store, resumably.

Steps, each safe to repeat:

1. **start or resume**: a saved checkpoint for this version id means a crashed run;
   it is resumed on the Delta versions it pinned. ``published`` means done: no-op.
2. **load** three passes (features, scores, segments); per chunk: write it to every
   store, then save the checkpoint (position + counts in one write), then call
   ``on_checkpoint``. A crash between the write and the save repeats one chunk,
   whose writes are idempotent.
3. **verify**: every store that can count holds exactly as many users as there
   were feature rows (and there are some); otherwise no switch, the run fails.
4. **switch**: the previous versions are recorded, then each store's pointer moves
   (Redis: one ``SET``) and the previous version starts its grace TTL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from serving.publish.chunks import chunk_from_batch
from serving.publish.delta_source import DeltaViewSource
from serving.publish.exceptions import PublishError, VerificationError
from serving.publish.progress import PASSES, PublishProgress
from serving.stores import BatchVersion, BatchViewStore, CheckpointStore, ChunkKind, RunRecord

__all__ = ["CheckpointHook", "PublishResult", "publish_batch_view"]

CheckpointHook = Callable[[ChunkKind, int], None]
"""Called after each saved checkpoint with the pass and the chunks done by this call."""


@dataclass(frozen=True, slots=True)
class PublishResult:
    version: str
    rows: Mapping[str, int]
    users: int
    resumed: bool
    already_published: bool
    previous: Mapping[str, str]


def _now() -> str:
    return datetime.now(UTC).isoformat()


def publish_batch_view(
    *,
    source: DeltaViewSource,
    stores: Sequence[BatchViewStore],
    checkpoints: CheckpointStore,
    run_id: str = "r1",
    allow_older: bool = False,
    on_checkpoint: CheckpointHook | None = None,
) -> PublishResult:
    """Publish ``source.as_of`` as version ``<as_of>.<run_id>`` and switch readers to it.

    Args:
        source: the gold tables of one day.
        stores: where to publish (e.g. Redis, then Cassandra); each is ``update()``-d.
        checkpoints: where the run's progress lives (Redis in production).
        run_id: the run within the day; rerun with the same id to resume a crash.
        allow_older: switch even if a store's current version has a later ``as_of``.
        on_checkpoint: test and progress hook, see :data:`CheckpointHook`.
    """
    if not stores:
        raise PublishError("publish_batch_view needs at least one store")
    version = BatchVersion(as_of=source.as_of, run_id=run_id).id
    for store in stores:
        store.update()
    saved = checkpoints.load(version)
    progress = PublishProgress.from_fields(saved) if saved else None
    if progress is not None and progress.status == "published":
        return _result(version, progress, resumed=False, already=True)
    resumed = progress is not None
    if progress is None:
        progress = PublishProgress.start(
            delta_versions=source.snapshot_versions(), started_at=_now()
        )
        checkpoints.save(version, progress.to_fields())
    _record(stores, version, progress, "running")
    progress = _load(source, stores, checkpoints, version, progress, on_checkpoint)
    if progress.status == "running":
        _verify(stores, version, progress)
        previous = {s.name: s.current_version() or "" for s in stores}
        _refuse_going_back(version, previous, allow_older=allow_older)
        progress = replace(progress, status="switching", previous=previous)
        checkpoints.save(version, progress.to_fields())
    for store in stores:
        store.activate(version=version, previous=progress.previous.get(store.name) or None)
    progress = replace(progress, status="published", finished_at=_now())
    checkpoints.save(version, progress.to_fields())
    _record(stores, version, progress, "published")
    return _result(version, progress, resumed=resumed, already=False)


def _load(
    source: DeltaViewSource,
    stores: Sequence[BatchViewStore],
    checkpoints: CheckpointStore,
    version: str,
    progress: PublishProgress,
    on_checkpoint: CheckpointHook | None,
) -> PublishProgress:
    done = 0
    for kind in PASSES:
        if progress.pass_name == "done" or PASSES.index(kind) < PASSES.index(progress.pass_name):
            continue
        start = progress.position
        table_version = progress.delta_versions[kind]
        for position, batch in source.batches(kind, table_version=table_version, start=start):
            chunk = chunk_from_batch(kind, batch, features=source.features)
            for store in stores:
                store.online_write_batch(version=version, chunk=chunk)
            progress = progress.after_chunk(kind, position=position, rows=chunk.rows)
            checkpoints.save(version, progress.to_fields())
            done += 1
            if on_checkpoint is not None:
                on_checkpoint(kind, done)
        progress = progress.after_pass(kind)
        checkpoints.save(version, progress.to_fields())
    return progress


def _verify(stores: Sequence[BatchViewStore], version: str, progress: PublishProgress) -> None:
    expected = progress.rows.get("features", 0)
    if expected == 0:
        _record(stores, version, progress, "failed")
        raise VerificationError(
            f"gold.user_features has no rows for {BatchVersion.parse(version).as_of}: "
            "nothing to publish; check that the batch layer ran for that day"
        )
    for store in stores:
        held = store.count_users(version=version)
        if held is not None and held != expected:
            _record(stores, version, progress, "failed")
            raise VerificationError(
                f"{store.name} holds {held} users for {version} but gold.user_features had "
                f"{expected} rows: duplicate user rows (fewer) or scores/segments of users "
                "without features (more). Not switched; fix the gold tables and publish "
                "under a new run id."
            )


def _refuse_going_back(version: str, previous: Mapping[str, str], *, allow_older: bool) -> None:
    ours = BatchVersion.parse(version).as_of
    for name, held in previous.items():
        newer = bool(held) and held != version and BatchVersion.parse(held).as_of > ours
        if newer and not allow_older:
            raise PublishError(
                f"{name} serves {held}, newer than {version}; pass allow_older=True to "
                "roll back on purpose"
            )


def _record(
    stores: Sequence[BatchViewStore], version: str, progress: PublishProgress, status: str
) -> None:
    run = RunRecord(
        version=version,
        as_of=BatchVersion.parse(version).as_of,
        status=status,  # type: ignore[arg-type]
        rows=dict(progress.rows),
        delta_versions=dict(progress.delta_versions),
    )
    for store in stores:
        store.record_run(run)


def _result(
    version: str, progress: PublishProgress, *, resumed: bool, already: bool
) -> PublishResult:
    return PublishResult(
        version=version,
        rows=dict(progress.rows),
        users=progress.rows.get("features", 0),
        resumed=resumed,
        already_published=already,
        previous=dict(progress.previous),
    )
