"""The dispatcher's shared state behind three small abstract classes.

Each store has an explicit lifecycle: :meth:`StateStore.setup` before first
use (loads scripts, checks the connection), :meth:`StateStore.close` at the
end; both are idempotent, and a store is also a context manager. Two real
implementations exist for each: in memory (unit tests, one process) and Redis
(production, shared by every dispatcher process).

Times passed as ``now`` are the caller's clock. The in-memory stores use it for
everything; the Redis stores use it for cap-ledger timestamps, while key TTLs
(idempotency leases, retention) run on the Redis server's clock, and token
buckets use the server clock unless built with ``clock="caller"``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Literal, Self

from serving.dispatch.checks.caps import CapVerdict
from serving.dispatch.policy import FrequencyCap
from serving.dispatch.priority import CapMode

__all__ = [
    "CLAIM_STATUSES",
    "BucketGrant",
    "BucketRequest",
    "CapLedger",
    "CapRequest",
    "Claim",
    "ClaimStatus",
    "DispatchStores",
    "IdempotencyStore",
    "KeyRequest",
    "StateStore",
    "TokenBucket",
]


class StateStore(ABC):  # noqa: B024 - the lifecycle hooks are optional, the API is in subclasses
    """Lifecycle shared by every store."""

    def setup(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Prepare for use (idempotent)."""

    def close(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Release resources (idempotent). Stored state outlives the store object."""

    def __enter__(self) -> Self:
        self.setup()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@dataclass(frozen=True, slots=True)
class KeyRequest:
    """One idempotency-key operation of a batch: ``ttl`` is the lease (claim) or the
    retention (confirm), unused by release."""

    user_id: str
    key: str
    owner: str
    ttl: timedelta = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class CapRequest:
    """One send to check against the global ``caps`` and, for a campaign, against the
    campaign's own ``campaign_caps`` (counted over that campaign's sends only)."""

    user_id: str
    entry_id: str
    at: datetime
    caps: tuple[FrequencyCap, ...]
    mode: CapMode
    retention: timedelta
    campaign_id: str | None = None
    campaign_caps: tuple[FrequencyCap, ...] = ()


@dataclass(frozen=True, slots=True)
class BucketRequest:
    name: str
    rate: float
    burst: int


ClaimStatus = Literal["claimed", "sent", "in_flight"]
CLAIM_STATUSES: tuple[ClaimStatus, ...] = ("claimed", "sent", "in_flight")


@dataclass(frozen=True, slots=True)
class Claim:
    """``claimed``: this owner now holds the lease. ``sent``: the key was already sent.
    ``in_flight``: another owner holds the lease for ``retry_after`` more. ``holder``: the
    owner that holds the lease or sent the key (the dispatcher reads its send time from it)."""

    status: ClaimStatus
    retry_after: timedelta | None = None
    holder: str | None = None


class IdempotencyStore(StateStore):
    """Per-user idempotency keys as a lease that only a send turns permanent.

    ``claim`` takes a short lease (SET NX with a TTL); ``confirm`` turns the
    owner's lease into a permanent "sent" mark for ``retain``; ``release`` drops
    the owner's lease so a deferred or suppressed intent can be decided again.
    """

    @abstractmethod
    def claim(
        self, *, user_id: str, key: str, owner: str, lease: timedelta, now: datetime
    ) -> Claim: ...

    @abstractmethod
    def confirm(
        self, *, user_id: str, key: str, owner: str, retain: timedelta, now: datetime
    ) -> bool:
        """True when the key is now marked sent by ``owner``: its lease was still held, or
        had lapsed with nobody else claiming it. False when another owner took it over."""

    @abstractmethod
    def release(self, *, user_id: str, key: str, owner: str, now: datetime) -> None:
        """Drop ``owner``'s lease; a no-op when the key is sent or held by someone else."""

    # Batches: one call per request by default; Redis sends each batch in one round trip.
    def claim_many(self, requests: Sequence[KeyRequest], *, now: datetime) -> list[Claim]:
        return [
            self.claim(user_id=r.user_id, key=r.key, owner=r.owner, lease=r.ttl, now=now)
            for r in requests
        ]

    def confirm_many(self, requests: Sequence[KeyRequest], *, now: datetime) -> list[bool]:
        return [
            self.confirm(user_id=r.user_id, key=r.key, owner=r.owner, retain=r.ttl, now=now)
            for r in requests
        ]

    def release_many(self, requests: Sequence[KeyRequest], *, now: datetime) -> None:
        for r in requests:
            self.release(user_id=r.user_id, key=r.key, owner=r.owner, now=now)


class CapLedger(StateStore):
    """Per-user send timestamps, checked against every cap and recorded in one atomic step.

    ``entry_id`` names the send (the idempotency key): recording it twice is a
    no-op that reports ``allowed``, so a retried decision never pays twice. A request
    with ``campaign_caps`` is also counted in the campaign's own ledger, checked and
    recorded in the same atomic step: a send goes out only under every cap of both.
    """

    @abstractmethod
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
        """``enforce``: record only when every count is under its limit. ``count``: always
        record. Entries older than ``retention`` (the campaign ledger: its longest
        window) are trimmed first."""

    @abstractmethod
    def counts(
        self, *, user_id: str, at: datetime, caps: Sequence[FrequencyCap]
    ) -> tuple[int, ...]:
        """Read-only: entries later than ``at - window`` for each cap."""

    def check_and_record_many(self, requests: Sequence[CapRequest]) -> list[CapVerdict]:
        """Each request in order, each atomic on its own (one round trip in Redis)."""
        return [
            self.check_and_record(
                user_id=r.user_id,
                entry_id=r.entry_id,
                at=r.at,
                caps=r.caps,
                mode=r.mode,
                retention=r.retention,
                campaign_id=r.campaign_id,
                campaign_caps=r.campaign_caps,
            )
            for r in requests
        ]


@dataclass(frozen=True, slots=True)
class BucketGrant:
    """``wait`` is zero when granted, else how long until one token will be there."""

    granted: bool
    wait: timedelta
    tokens_left: float


class TokenBucket(StateStore):
    """Named token buckets (one per channel), refilled continuously up to ``burst``."""

    @abstractmethod
    def acquire(self, name: str, *, rate: float, burst: int, now: datetime) -> BucketGrant: ...

    @abstractmethod
    def refund(self, name: str, *, rate: float, burst: int, now: datetime) -> None:
        """Give back one token taken for a send that did not happen (never above ``burst``)."""

    def acquire_many(
        self, requests: Sequence[BucketRequest], *, now: datetime
    ) -> list[BucketGrant]:
        return [self.acquire(r.name, rate=r.rate, burst=r.burst, now=now) for r in requests]

    def refund_many(self, requests: Sequence[BucketRequest], *, now: datetime) -> None:
        for r in requests:
            self.refund(r.name, rate=r.rate, burst=r.burst, now=now)


@dataclass(frozen=True, slots=True)
class DispatchStores:
    """The three stores ``decide`` needs, set up and closed together."""

    idempotency: IdempotencyStore
    caps: CapLedger
    buckets: TokenBucket

    def _all(self) -> Sequence[StateStore]:
        return (self.idempotency, self.caps, self.buckets)

    def setup(self) -> None:
        for store in self._all():
            store.setup()

    def close(self) -> None:
        for store in self._all():
            store.close()

    def __enter__(self) -> Self:
        self.setup()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
