"""State behind the dispatcher: abstract stores, in-memory and Redis implementations."""

from serving.dispatch.state.base import (
    BucketGrant,
    BucketRequest,
    CapLedger,
    CapRequest,
    Claim,
    DispatchStores,
    IdempotencyStore,
    KeyRequest,
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
    "BucketRequest",
    "CapLedger",
    "CapRequest",
    "Claim",
    "DispatchStores",
    "IdempotencyStore",
    "KeyRequest",
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
