"""The merged view: a user's current batch view plus the real-time view, with freshness.

>>> from serving.stores import InMemoryBatchViewStore
>>> reader = MergedViewReader(batch=InMemoryBatchViewStore(), realtime=InMemoryRealtimeView())
>>> reader.read("u1").batch_version is None
True
"""

from serving.view.merged import MergedView, MergedViewReader, merge_views
from serving.view.realtime import (
    InMemoryRealtimeView,
    RealtimeSnapshot,
    RealtimeViewReader,
    RedisRealtimeViewReader,
)

__all__ = [
    "InMemoryRealtimeView",
    "MergedView",
    "MergedViewReader",
    "RealtimeSnapshot",
    "RealtimeViewReader",
    "RedisRealtimeViewReader",
    "merge_views",
]
