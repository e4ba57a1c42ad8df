"""Redis stores: the production state, shared by every dispatcher process.

Each operation is one Lua script over one key, so it is atomic across any
number of processes and safe on Redis Cluster (per-user keys carry the user's
hash tag, see :mod:`serving.dispatch.state.keys`). The client is passed in and
owned by the caller; ``close`` does not close it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

import redis
from redis.commands.core import Script
from redis.exceptions import NoScriptError

from serving.dispatch.checks.caps import CapVerdict, longest_window
from serving.dispatch.exceptions import StateStoreError
from serving.dispatch.policy import FrequencyCap
from serving.dispatch.priority import CapMode
from serving.dispatch.state import _lua
from serving.dispatch.state.base import (
    CLAIM_STATUSES,
    BucketGrant,
    BucketRequest,
    CapLedger,
    CapRequest,
    Claim,
    ClaimStatus,
    DispatchStores,
    IdempotencyStore,
    KeyRequest,
    StateStore,
    TokenBucket,
)
from serving.dispatch.state.keys import KeySpace

__all__ = ["RedisCapLedger", "RedisIdempotencyStore", "RedisTokenBucket", "redis_stores"]


def _ms(value: timedelta) -> int:
    return max(1, round(value.total_seconds() * 1000))


def _epoch_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class _RedisStore(StateStore):
    _sources: dict[str, str] = {}

    def __init__(self, client: redis.Redis, *, keys: KeySpace) -> None:
        self._client = client
        self._keys = keys
        self._scripts: dict[str, Script] = {}

    def setup(self) -> None:
        """Check the connection and register the scripts (EVALSHA, reloaded if flushed)."""
        if self._scripts:
            return
        try:
            self._client.ping()
        except redis.RedisError as exc:
            raise StateStoreError(
                f"cannot reach Redis for the dispatcher's state ({exc}); "
                "is the stack up (`clarion stack up`) and CLARION_REDIS__URL right?"
            ) from exc
        scripts = {name: self._client.register_script(src) for name, src in self._sources.items()}
        for script in scripts.values():
            self._client.script_load(script.script)  # on Redis Cluster: on every primary
        self._scripts = scripts

    def close(self) -> None:
        self._scripts = {}

    def _run(self, name: str, *, key: str, args: Sequence[str | int | float]) -> Any:
        if not self._scripts:
            raise StateStoreError(f"{type(self).__name__}.setup() was not called")
        return self._scripts[name](keys=[key], args=list(args))

    def _run_many(
        self, name: str, calls: Sequence[tuple[str, Sequence[str | int | float]]]
    ) -> list[Any]:
        """Many calls of one script in one pipelined round trip (each still atomic)."""
        return self._run_many_keys(name, [([key], args) for key, args in calls])

    def _run_many_keys(
        self, name: str, calls: Sequence[tuple[list[str], Sequence[str | int | float]]]
    ) -> list[Any]:
        """:meth:`_run_many` for scripts over several keys (of one slot) per call."""
        if not self._scripts:
            raise StateStoreError(f"{type(self).__name__}.setup() was not called")
        if not calls:
            return []
        script = self._scripts[name]
        replies = self._evalsha_many(script.sha, calls)
        lost = [i for i, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
        if lost:  # a node restarted or failed over since setup(): load again, redo those only
            self._client.script_load(script.script)
            again = self._evalsha_many(script.sha, [calls[i] for i in lost])
            for i, reply in zip(lost, again, strict=True):
                replies[i] = reply
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        return replies

    def _evalsha_many(
        self, sha: str, calls: Sequence[tuple[list[str], Sequence[str | int | float]]]
    ) -> list[Any]:
        """``EVALSHA`` per call in one pipeline; errors come back in place. Queued through
        ``execute_command``: redis-py's ``ClusterPipeline.evalsha`` refuses to queue it
        (redis/redis-py#2914), though the cluster client routes it by its keys."""
        pipe = self._client.pipeline(transaction=False)
        for keys, args in calls:
            pipe.execute_command(  # type: ignore[no-untyped-call]
                "EVALSHA", sha, len(keys), *keys, *args
            )
        return list(pipe.execute(raise_on_error=False))


def _campaign_scope(request: CapRequest) -> tuple[str, timedelta] | None:
    """The campaign ledger of a request and its retention, or None without campaign caps."""
    longest = longest_window(request.campaign_caps)
    if request.campaign_id is None or longest is None:
        return None
    return request.campaign_id, longest


def _claim(found: Any) -> Claim:
    status, pttl, holder = found
    by_name: dict[str, ClaimStatus] = {state: state for state in CLAIM_STATUSES}
    state = by_name.get(_text(status))
    if state is None:
        raise StateStoreError(f"unexpected claim status {status!r} from Redis")
    return Claim(state, timedelta(milliseconds=max(int(pttl), 1)), holder=_text(holder))


class RedisIdempotencyStore(_RedisStore, IdempotencyStore):
    _sources = {
        "claim": _lua.IDEM_CLAIM,
        "confirm": _lua.IDEM_CONFIRM,
        "release": _lua.IDEM_RELEASE,
    }

    def claim(
        self, *, user_id: str, key: str, owner: str, lease: timedelta, now: datetime
    ) -> Claim:
        found = self._run(
            "claim", key=self._keys.idempotency(user_id, key), args=[owner, _ms(lease)]
        )
        return _claim(found)

    def claim_many(self, requests: Sequence[KeyRequest], *, now: datetime) -> list[Claim]:
        return [_claim(found) for found in self._run_many("claim", self._owner_ttl(requests))]

    def confirm_many(self, requests: Sequence[KeyRequest], *, now: datetime) -> list[bool]:
        return [bool(ok) for ok in self._run_many("confirm", self._owner_ttl(requests))]

    def _owner_ttl(
        self, requests: Sequence[KeyRequest]
    ) -> list[tuple[str, Sequence[str | int | float]]]:
        return [(self._keys.idempotency(r.user_id, r.key), (r.owner, _ms(r.ttl))) for r in requests]

    def release_many(self, requests: Sequence[KeyRequest], *, now: datetime) -> None:
        self._run_many(
            "release", [(self._keys.idempotency(r.user_id, r.key), [r.owner]) for r in requests]
        )

    def confirm(
        self, *, user_id: str, key: str, owner: str, retain: timedelta, now: datetime
    ) -> bool:
        key_name = self._keys.idempotency(user_id, key)
        return bool(self._run("confirm", key=key_name, args=[owner, _ms(retain)]))

    def release(self, *, user_id: str, key: str, owner: str, now: datetime) -> None:
        self._run("release", key=self._keys.idempotency(user_id, key), args=[owner])


class RedisCapLedger(_RedisStore, CapLedger):
    _sources = {"check": _lua.CAP_CHECK_AND_RECORD}

    def check_and_record(
        self,
        *,
        user_id: str,
        entry_id: str,
        at: datetime,
        caps: Sequence[FrequencyCap],
        mode: CapMode,
        retention: timedelta,
        campaign_id: str | None = None,
        campaign_caps: Sequence[FrequencyCap] = (),
    ) -> CapVerdict:
        request = CapRequest(
            user_id, entry_id, at, tuple(caps), mode, retention, campaign_id, tuple(campaign_caps)
        )
        return self.check_and_record_many([request])[0]

    def check_and_record_many(self, requests: Sequence[CapRequest]) -> list[CapVerdict]:
        calls: list[tuple[list[str], Sequence[str | int | float]]] = []
        for r in requests:
            if r.mode == "exempt":
                raise StateStoreError("exempt sends are not recorded; do not call the ledger")
            keys = [self._keys.caps(r.user_id)]
            args: list[str | int | float] = [
                _epoch_ms(r.at), r.entry_id, _ms(r.retention), r.mode, len(r.caps)
            ]  # fmt: skip
            for cap in r.caps:
                args += [_ms(cap.window), cap.limit]
            scoped = _campaign_scope(r)
            if scoped is not None:
                keys.append(self._keys.campaign_caps(r.user_id, scoped[0]))
                args.append(_ms(scoped[1]))
                for cap in r.campaign_caps:
                    args += [_ms(cap.window), cap.limit]
            calls.append((keys, args))
        verdicts = []
        for r, (allowed, recorded, _, _, *counts) in zip(
            requests, self._run_many_keys("check", calls), strict=True
        ):
            n = len(r.caps)
            verdicts.append(
                CapVerdict(
                    r.caps,
                    tuple(int(c) for c in counts[:n]),
                    allowed=bool(allowed),
                    recorded=bool(recorded),
                    campaign_id=r.campaign_id if r.campaign_caps else None,
                    campaign_caps=r.campaign_caps,
                    campaign_counts=tuple(int(c) for c in counts[n:]),
                )
            )
        return verdicts

    def counts(
        self, *, user_id: str, at: datetime, caps: Sequence[FrequencyCap]
    ) -> tuple[int, ...]:
        key = self._keys.caps(user_id)
        at_ms = _epoch_ms(at)
        pipe = self._client.pipeline(transaction=False)
        for cap in caps:
            pipe.zcount(key, f"({at_ms - _ms(cap.window)}", "+inf")
        return tuple(int(c) for c in pipe.execute())


class RedisTokenBucket(_RedisStore, TokenBucket):
    """``clock="server"`` (default) refills by the Redis server's clock, one clock for every
    dispatcher; ``clock="caller"`` uses the ``now`` passed in (tests, replays)."""

    _sources = {"bucket": _lua.BUCKET}

    def __init__(
        self,
        client: redis.Redis,
        *,
        keys: KeySpace,
        clock: Literal["server", "caller"] = "server",
    ) -> None:
        super().__init__(client, keys=keys)
        self._clock = clock

    def _call(self, name: str, *, rate: float, burst: int, now: datetime, op: str) -> Any:
        stamp = "" if self._clock == "server" else str(round(now.timestamp() * 1_000_000))
        return self._run("bucket", key=self._keys.bucket(name), args=[rate, burst, stamp, op])

    def acquire(self, name: str, *, rate: float, burst: int, now: datetime) -> BucketGrant:
        return _grant(self._call(name, rate=rate, burst=burst, now=now, op="take"))

    def refund(self, name: str, *, rate: float, burst: int, now: datetime) -> None:
        self._call(name, rate=rate, burst=burst, now=now, op="refund")

    def _calls(
        self, requests: Sequence[BucketRequest], *, now: datetime, op: str
    ) -> list[tuple[str, Sequence[str | int | float]]]:
        stamp = "" if self._clock == "server" else str(round(now.timestamp() * 1_000_000))
        return [(self._keys.bucket(r.name), [r.rate, r.burst, stamp, op]) for r in requests]

    def acquire_many(
        self, requests: Sequence[BucketRequest], *, now: datetime
    ) -> list[BucketGrant]:
        return [
            _grant(found)
            for found in self._run_many("bucket", self._calls(requests, now=now, op="take"))
        ]

    def refund_many(self, requests: Sequence[BucketRequest], *, now: datetime) -> None:
        self._run_many("bucket", self._calls(requests, now=now, op="refund"))


def _grant(found: Any) -> BucketGrant:
    granted, wait_us, tokens = found
    return BucketGrant(
        granted=bool(granted),
        wait=timedelta(microseconds=int(wait_us)),
        tokens_left=float(_text(tokens)),
    )


def redis_stores(
    client: redis.Redis,
    *,
    key_prefix: str = "clarion",
    bucket_clock: Literal["server", "caller"] = "server",
) -> DispatchStores:
    """The three Redis stores over one client and key prefix (not yet set up)."""
    keys = KeySpace(key_prefix)
    return DispatchStores(
        idempotency=RedisIdempotencyStore(client, keys=keys),
        caps=RedisCapLedger(client, keys=keys),
        buckets=RedisTokenBucket(client, keys=keys, clock=bucket_clock),
    )
