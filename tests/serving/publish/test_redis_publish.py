"""Publishing into the real Redis: layout, exactly-once resume (hook crash and SIGKILL), expiry."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from redis.crc import key_slot

from serving.publish import DeltaViewSource, publish_batch_view
from serving.stores import (
    ChunkKind,
    RedisBatchViewConfig,
    RedisBatchViewStore,
    RedisCheckpointStore,
)
from tests.fixtures.stack import unique_name

from .builders import users, write_gold
from .fixtures import dump_version

pytestmark = pytest.mark.redis

DAY = date(2026, 11, 27)
VERSION = "2026-11-27.r1"
N = 400
ROWS = 50


class Crash(Exception):
    pass


@pytest.fixture(scope="module")
def gold(tmp_path_factory: pytest.TempPathFactory) -> dict[ChunkKind, str]:
    return write_gold(tmp_path_factory.mktemp("lake"), users(N), as_of=DAY, files=3)


def store(client: redis.Redis, prefix: str, **config: Any) -> RedisBatchViewStore:
    return RedisBatchViewStore(client, config=RedisBatchViewConfig(key_prefix=prefix, **config))


def publish(
    client: redis.Redis,
    prefix: str,
    uris: dict[ChunkKind, str],
    *,
    as_of: date = DAY,
    hook: Callable[[ChunkKind, int], None] | None = None,
) -> Any:
    return publish_batch_view(
        source=DeltaViewSource(uris=uris, as_of=as_of, rows_per_chunk=ROWS),
        stores=[store(client, prefix)],
        checkpoints=RedisCheckpointStore(client, key_prefix=prefix),
        on_checkpoint=hook,
    )


def clean_dump(client: redis.Redis, uris: dict[ChunkKind, str]) -> dict[str, dict[str, str]]:
    prefix = unique_name("bv_clean")
    try:
        publish(client, prefix, uris)
        return dump_version(client, prefix=prefix, version=VERSION)
    finally:
        store(client, prefix).teardown()


def test_the_layout_is_the_contract_and_cluster_safe(
    redis_client: redis.Redis, redis_prefix: str, gold: dict[ChunkKind, str]
) -> None:
    result = publish(redis_client, redis_prefix, gold)
    assert redis_client.get(f"{redis_prefix}:bv:current") == VERSION.encode()
    key = f"{redis_prefix}:bv:{VERSION}:{{u0000007}}"
    fields = {k.decode(): v.decode() for k, v in redis_client.hgetall(key).items()}
    assert fields["as_of"] == "2026-11-27" and fields["model_version"] == "xgb-7"
    assert isinstance(json.loads(fields["segments"]), list) and float(fields["score"]) >= 0
    assert fields.get("reachable_email") in ("0", "1", None)
    assert key_slot(key.encode()) == key_slot(b"u0000007")
    assert (
        result.users == N == len(dump_version(redis_client, prefix=redis_prefix, version=VERSION))
    )
    progress = redis_client.hgetall(f"{redis_prefix}:bv:{VERSION}:progress")
    assert progress[b"status"] == b"published" and progress[b"rows.features"] == str(N).encode()


def test_a_crash_midway_then_rerun_equals_a_clean_publish(
    redis_client: redis.Redis, redis_prefix: str, gold: dict[ChunkKind, str]
) -> None:
    def crash(kind: ChunkKind, done: int) -> None:
        if kind == "scores" and done >= 12:
            raise Crash

    with pytest.raises(Crash):
        publish(redis_client, redis_prefix, gold, hook=crash)
    assert redis_client.get(f"{redis_prefix}:bv:current") is None
    result = publish(redis_client, redis_prefix, gold)
    assert result.resumed and result.users == N
    assert dump_version(redis_client, prefix=redis_prefix, version=VERSION) == clean_dump(
        redis_client, gold
    )


_CHILD = """
import sys, json, time, redis
from datetime import date
from serving.publish import DeltaViewSource, publish_batch_view
from serving.stores import RedisBatchViewConfig, RedisBatchViewStore, RedisCheckpointStore
url, prefix, uris = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
client = redis.Redis.from_url(url)
publish_batch_view(
    source=DeltaViewSource(uris=uris, as_of=date(2026, 11, 27), rows_per_chunk=int(sys.argv[4])),
    stores=[RedisBatchViewStore(client, config=RedisBatchViewConfig(key_prefix=prefix))],
    checkpoints=RedisCheckpointStore(client, key_prefix=prefix),
    on_checkpoint=lambda kind, done: time.sleep(0.05),
)
"""


def test_a_sigkilled_publisher_is_resumed_by_a_rerun(
    redis_client: redis.Redis,
    redis_prefix: str,
    gold: dict[ChunkKind, str],
    stack_settings: Any,
) -> None:
    url = stack_settings.redis.url
    root = Path(__file__).resolve().parents[3]
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, url, redis_prefix, json.dumps(gold), str(ROWS)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    progress_key = f"{redis_prefix}:bv:{VERSION}:progress"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if redis_client.hget(progress_key, "pass") == b"scores":
                break
            assert child.poll() is None, "the publisher ended before it could be killed"
            time.sleep(0.02)
        else:
            pytest.fail("the publisher never reached the scores pass")
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    assert redis_client.get(f"{redis_prefix}:bv:current") is None
    assert redis_client.hget(progress_key, "status") == b"running"
    result = publish(redis_client, redis_prefix, gold)
    assert result.resumed and result.users == N
    assert redis_client.get(f"{redis_prefix}:bv:current") == VERSION.encode()
    assert dump_version(redis_client, prefix=redis_prefix, version=VERSION) == clean_dump(
        redis_client, gold
    )


def test_the_previous_version_expires_after_the_grace_ttl_and_reads_follow_the_switch(
    redis_client: redis.Redis, redis_prefix: str, tmp_path: Path
) -> None:
    earlier = DAY - timedelta(days=1)
    uris = write_gold(tmp_path, users(30), as_of=earlier, files=1)
    write_gold(tmp_path, users(30), as_of=DAY, files=1)
    publish(redis_client, redis_prefix, uris, as_of=earlier)
    atomic = store(redis_client, redis_prefix, read_mode="atomic")
    pointer = store(redis_client, redis_prefix)
    atomic.update()
    assert atomic.online_read("u0000001") == pointer.online_read("u0000001")
    assert pointer.online_read("u0000001").version == "2026-11-26.r1"  # type: ignore[union-attr]
    publish(redis_client, redis_prefix, uris)
    for record in (atomic.online_read("u0000001"), pointer.online_read("u0000001")):
        assert record is not None and record.version == VERSION
        assert record.fields["as_of"] == "2026-11-27"
    grace = 2 * 24 * 3600
    old = list(redis_client.scan_iter(match=f"{redis_prefix}:bv:2026-11-26.r1:*"))
    assert len(old) == 31  # 30 users and the progress hash
    assert all(0 < redis_client.ttl(k) <= grace for k in old)
    new = list(redis_client.scan_iter(match=f"{redis_prefix}:bv:{VERSION}:*"))
    assert len(new) == 31 and all(redis_client.ttl(k) == -1 for k in new)
    assert atomic.online_read("nobody") is not None  # a current version, no hash: empty fields
