"""State behind the dispatcher: abstract stores, in-memory and Redis implementations."""

from serving.dispatch.state.base import (
    BucketGrant,
    CapLedger,
    Claim,
    DispatchStores,
    IdempotencyStore,
    StateStore,
    TokenBucket,
)
from serving.dispatch.state.keys import KeySpace
from serving.dispatch.state.memory import (
    MemoryCapLedger,
    MemoryIdempotencyStore,
    MemoryTokenBucket,
    memory_stores,
)
from serving.dispatch.state.redis import (
    RedisCapLedger,
    RedisIdempotencyStore,
    RedisTokenBucket,
    redis_stores,
)

__all__ = [
    "BucketGrant",
    "CapLedger",
    "Claim",
    "DispatchStores",
    "IdempotencyStore",
    "KeySpace",
    "MemoryCapLedger",
    "MemoryIdempotencyStore",
    "MemoryTokenBucket",
    "RedisCapLedger",
    "RedisIdempotencyStore",
    "RedisTokenBucket",
    "StateStore",
    "TokenBucket",
    "memory_stores",
    "redis_stores",
]
