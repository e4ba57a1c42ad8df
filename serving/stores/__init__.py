"""Store adapters of the serving layer, each behind one small abstract class.

:class:`BatchViewStore` (``update`` / ``online_write_batch`` / ``activate`` /
``online_read`` / ``teardown``) has three implementations: in memory, Redis (the
view readers use) and Cassandra (the durable copy). :class:`CheckpointStore`
keeps a publish run's progress. Configs are typed and selected by ``type``.
"""

from serving.stores.base import BatchRecord, BatchViewStore, ChunkKind, RunRecord, ViewChunk
from serving.stores.cassandra_batch import CassandraBatchViewConfig, CassandraBatchViewStore
from serving.stores.checkpoints import (
    CheckpointStore,
    InMemoryCheckpointStore,
    RedisCheckpointStore,
)
from serving.stores.codec import decode_value, encode_json_list, encode_value
from serving.stores.exceptions import StoreError
from serving.stores.keys import BatchViewKeys
from serving.stores.memory import InMemoryBatchViewStore
from serving.stores.redis_batch import RedisBatchViewConfig, RedisBatchViewStore
from serving.stores.version import BatchVersion

__all__ = [
    "BatchRecord",
    "BatchVersion",
    "BatchViewKeys",
    "BatchViewStore",
    "CassandraBatchViewConfig",
    "CassandraBatchViewStore",
    "CheckpointStore",
    "ChunkKind",
    "InMemoryBatchViewStore",
    "InMemoryCheckpointStore",
    "RedisBatchViewConfig",
    "RedisBatchViewStore",
    "RedisCheckpointStore",
    "RunRecord",
    "StoreError",
    "ViewChunk",
    "decode_value",
    "encode_json_list",
    "encode_value",
]
