"""When to try again: exponential backoff with jitter (pure).

``delay(attempt)`` for the wait *after* failed attempt ``attempt`` (1-based) is
``min(max_delay, base * multiplier ** (attempt - 1))``, then jittered:

* ``full``: uniform in ``[0, d]`` (AWS's "full jitter": spreads a thundering herd best);
* ``equal``: ``d / 2`` plus uniform in ``[0, d / 2]`` (never shorter than half);
* ``none``: exactly ``d`` (tests, predictable schedules).

>>> p = RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=5.0, jitter="none")
>>> [p.delay(n) for n in (1, 2, 3, 4)]
[1.0, 2.0, 4.0, 5.0]
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["Jitter", "RetryPolicy"]

Jitter = Literal["full", "equal", "none"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many times to try one message and how long to wait in between."""

    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    multiplier: float = 2.0
    jitter: Jitter = "full"
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("base_delay and max_delay must be >= 0")
        if self.multiplier < 1:
            raise ValueError(f"multiplier must be >= 1, got {self.multiplier}")

    def should_retry(self, attempt: int) -> bool:
        """Whether another try follows failed attempt number ``attempt`` (1-based)."""
        return attempt < self.max_attempts

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based) before the next one."""
        if attempt < 1:
            raise ValueError(f"attempt is 1-based, got {attempt}")
        ceiling = min(self.max_delay, self.base_delay * self.multiplier ** (attempt - 1))
        if self.jitter == "full":
            return self.rng.uniform(0.0, ceiling)
        if self.jitter == "equal":
            return ceiling / 2 + self.rng.uniform(0.0, ceiling / 2)
        return ceiling
