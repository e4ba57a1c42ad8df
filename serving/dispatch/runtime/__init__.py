"""The dispatcher's runtime: the Kafka consumer loop around :func:`serving.dispatch.decide`.

See docs/adr/0009-dispatcher-runtime.md for the design (effect order, deferred
queue, redo of lost sends) and :mod:`serving.dispatch.runtime.loop` for one
iteration.
"""

from serving.dispatch.runtime.deferred import DeferredQueue
from serving.dispatch.runtime.effects import BatchEffects, EffectsWriter, TransactionLost
from serving.dispatch.runtime.facts import FactsReader
from serving.dispatch.runtime.kafka import ensure_topics
from serving.dispatch.runtime.logs import configure_logging
from serving.dispatch.runtime.loop import BatchStats, Dispatcher
from serving.dispatch.runtime.metrics import DispatcherMetrics
from serving.dispatch.runtime.options import RuntimeOptions
from serving.dispatch.runtime.planner import Facts, Planner
from serving.dispatch.runtime.work import DeadLetter, Planned, WorkItem

__all__ = [
    "BatchEffects",
    "BatchStats",
    "DeadLetter",
    "DeferredQueue",
    "Dispatcher",
    "DispatcherMetrics",
    "EffectsWriter",
    "Facts",
    "FactsReader",
    "Planned",
    "Planner",
    "RuntimeOptions",
    "TransactionLost",
    "WorkItem",
    "configure_logging",
    "ensure_topics",
]
