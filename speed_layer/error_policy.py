"""What the consumer does when processing fails, explicit and injectable.

Invalid input is not an error: it always goes to the dead-letter topic. This policy
covers the rest:

* an *event error* — a valid event whose rules raised (a bug, never expected):
  ``dead_letter`` it (the default, with reason ``processing_error``), ``skip`` it with a
  log line, or ``fail`` the process;
* an *infrastructure error* — Redis or Kafka unreachable or refusing: ``retry`` the
  whole batch after a backoff (the default; nothing was committed, so nothing is lost),
  or ``fail`` after ``max_retries``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["DEFAULT_POLICY", "ErrorPolicy", "EventErrorAction", "InfraErrorAction"]

EventErrorAction = Literal["dead_letter", "skip", "fail"]
InfraErrorAction = Literal["retry", "fail"]


@dataclass(frozen=True, slots=True)
class ErrorPolicy:
    on_event_error: EventErrorAction = "dead_letter"
    on_infra_error: InfraErrorAction = "retry"
    max_retries: int | None = None  # None: retry for ever (the consumer waits for Redis)
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based), doubling to the cap."""
        return float(min(self.backoff_max_s, self.backoff_initial_s * 2 ** max(0, attempt - 1)))

    def gives_up(self, attempt: int) -> bool:
        if self.on_infra_error == "fail":
            return True
        return self.max_retries is not None and attempt > self.max_retries

    def describe(self) -> str:
        limit = "for ever" if self.max_retries is None else f"up to {self.max_retries} times"
        infra = (
            f"retry the batch {limit} with backoff" if self.on_infra_error == "retry" else "fail"
        )
        return f"event errors: {self.on_event_error}; infrastructure errors: {infra}"


DEFAULT_POLICY = ErrorPolicy()  # dead-letter event errors, retry infrastructure errors
