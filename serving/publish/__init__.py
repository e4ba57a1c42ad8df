"""Publish the batch view: one day of gold Delta tables into Redis and Cassandra.

:func:`publish_batch_view` loads ``gold.user_features``, ``gold.user_scores`` and
``gold.user_segments`` for one ``as_of`` as a new version, verifies it and switches
readers to it atomically; a crashed run resumes from its checkpoint. See README.md.
"""

from serving.publish.chunks import chunk_from_batch
from serving.publish.daily import publish_day
from serving.publish.delta_source import GOLD_TABLES, DeltaViewSource, Position
from serving.publish.exceptions import PublishError, SourceTableError, VerificationError
from serving.publish.progress import PASSES, PublishProgress
from serving.publish.publisher import CheckpointHook, PublishResult, publish_batch_view

__all__ = [
    "GOLD_TABLES",
    "PASSES",
    "CheckpointHook",
    "DeltaViewSource",
    "Position",
    "PublishError",
    "PublishProgress",
    "PublishResult",
    "SourceTableError",
    "VerificationError",
    "chunk_from_batch",
    "publish_batch_view",
    "publish_day",
]
