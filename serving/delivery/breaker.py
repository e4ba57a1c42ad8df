"""A circuit breaker per provider (pure; the clock is injected).

* ``closed``: calls go through; ``failure_threshold`` consecutive failures open it.
* ``open``: calls are refused until ``reset_timeout`` has passed since it opened.
* ``half_open``: one probe call is let through; success closes the breaker,
  failure opens it again for another ``reset_timeout``.

The worker asks :meth:`CircuitBreaker.wait_time` before each attempt and sleeps
that long instead of calling a provider that is known to be down: the backlog
stays in Kafka (visible as lag) rather than being burnt through to the DLQ.

>>> now = [0.0]
>>> b = CircuitBreaker(failure_threshold=2, reset_timeout=10, clock=lambda: now[0])
>>> b.record_failure(); b.record_failure(); b.state
'open'
>>> now[0] = 10.0; b.allow(), b.state
(True, 'half_open')
>>> b.record_success(); b.state
'closed'
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal

__all__ = ["BreakerState", "CircuitBreaker"]

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[BreakerState], None] | None = None,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError(f"failure_threshold must be >= 1, got {failure_threshold}")
        if reset_timeout <= 0:
            raise ValueError(f"reset_timeout must be > 0, got {reset_timeout}")
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self._clock = clock
        self._on_change = on_change
        self._state: BreakerState = "closed"
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False
        self.opened_count = 0

    @property
    def state(self) -> BreakerState:
        return self._state

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def wait_time(self) -> float:
        """Seconds until a call may be made (0 when one may be made now)."""
        if self._state == "open":
            return max(0.0, self._opened_at + self.reset_timeout - self._clock())
        if self._state == "half_open" and self._probing:
            return self.reset_timeout  # one probe at a time; its outcome decides
        return 0.0

    def allow(self) -> bool:
        """May a call go through now? Moves ``open`` to ``half_open`` once the timeout passed."""
        if self._state == "closed":
            return True
        if self._state == "open":
            if self._clock() - self._opened_at < self.reset_timeout:
                return False
            self._set("half_open")
        if self._probing:
            return False
        self._probing = True
        return True

    def record_success(self) -> None:
        self._failures = 0
        self._probing = False
        if self._state != "closed":
            self._set("closed")

    def record_failure(self) -> None:
        self._failures += 1
        self._probing = False
        if self._state == "half_open" or (
            self._state == "closed" and self._failures >= self.failure_threshold
        ):
            self._opened_at = self._clock()
            self.opened_count += 1
            self._set("open")

    def _set(self, state: BreakerState) -> None:
        self._state = state
        if self._on_change is not None:
            self._on_change(state)
