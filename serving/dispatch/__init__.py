"""The dispatcher's decision core: one arbiter for every send.

:func:`decide` takes an :class:`Intent`, the :class:`Recipient` facts, a
:class:`DispatchPolicy`, the shared :class:`DispatchStores` and a
:class:`LoadSignal`, and returns a :class:`Decision`: send now, defer to a
time, or suppress with a reason. The steps and their order are documented in
:mod:`serving.dispatch.dispatcher`; the pure checks live in
:mod:`serving.dispatch.checks`, the state behind them in
:mod:`serving.dispatch.state` (in memory and Redis).
"""

from serving.dispatch.checks.shedding import LoadSignal
from serving.dispatch.decision import REASON_OUTCOME, REASONS, Decision, Outcome, Reason
from serving.dispatch.dispatcher import decide, decide_many
from serving.dispatch.exceptions import DispatchError, PolicyError, StateStoreError
from serving.dispatch.intent import Intent, Recipient, Source
from serving.dispatch.policy import (
    DispatchPolicy,
    FrequencyCap,
    IdempotencyPolicy,
    LoadShedding,
    QuietHours,
    RateLimit,
    ShedThreshold,
    TtlDefaults,
)
from serving.dispatch.policy_file import load_policy, policy_from_yaml
from serving.dispatch.priority import PRIORITIES, Priority
from serving.dispatch.state import (
    CapLedger,
    DispatchStores,
    IdempotencyStore,
    TokenBucket,
    memory_stores,
    redis_stores,
)

__all__ = [
    "PRIORITIES",
    "REASONS",
    "REASON_OUTCOME",
    "CapLedger",
    "Decision",
    "DispatchError",
    "DispatchPolicy",
    "DispatchStores",
    "FrequencyCap",
    "IdempotencyPolicy",
    "IdempotencyStore",
    "Intent",
    "LoadShedding",
    "LoadSignal",
    "Outcome",
    "PolicyError",
    "Priority",
    "QuietHours",
    "RateLimit",
    "Reason",
    "Recipient",
    "ShedThreshold",
    "Source",
    "StateStoreError",
    "TokenBucket",
    "TtlDefaults",
    "decide",
    "decide_many",
    "load_policy",
    "memory_stores",
    "policy_from_yaml",
    "redis_stores",
]
