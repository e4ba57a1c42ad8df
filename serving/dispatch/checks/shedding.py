"""Overload shedding: under load, drop the lowest classes first; never transactional."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import JsonValue

from serving.dispatch.exceptions import DispatchError
from serving.dispatch.policy import LoadShedding, ShedThreshold
from serving.dispatch.priority import Priority

__all__ = ["LoadSignal", "ShedVerdict", "check_shedding"]


@dataclass(frozen=True, slots=True)
class LoadSignal:
    """How loaded the dispatcher is: intents waiting, and how far consumers lag behind."""

    queue_depth: int = 0
    lag_seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.queue_depth < 0 or self.lag_seconds < 0:
            raise DispatchError(f"load signals are never negative, got {self}")


@dataclass(frozen=True, slots=True)
class ShedVerdict:
    shed: bool
    load: LoadSignal
    threshold: ShedThreshold | None

    def facts(self) -> dict[str, JsonValue]:
        return {
            "load": {"queue_depth": self.load.queue_depth, "lag_seconds": self.load.lag_seconds},
            "shed_threshold": self.threshold.model_dump() if self.threshold else None,
        }


def check_shedding(priority: Priority, load: LoadSignal, shedding: LoadShedding) -> ShedVerdict:
    """Shed when any signal the class's threshold names has reached it.

    >>> from serving.dispatch.policy import LoadShedding
    >>> check_shedding("transactional", LoadSignal(queue_depth=10**9), LoadShedding()).shed
    False
    """
    threshold = shedding.threshold_for(priority)
    shed = threshold is not None and (
        (threshold.queue_depth is not None and load.queue_depth >= threshold.queue_depth)
        or (threshold.lag_seconds is not None and load.lag_seconds >= threshold.lag_seconds)
    )
    return ShedVerdict(shed=shed, load=load, threshold=threshold)
