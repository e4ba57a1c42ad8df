"""Try one message until it is delivered or out of attempts (pure; sleep is injected).

The loop asks the circuit breaker before each attempt and waits while it is open;
a transient failure waits the retry policy's backoff; a permanent failure or the
last attempt ends in a dead letter. ``on_attempt`` runs before each call to the
provider, so the worker can make the attempt durable first (see docs/adr/0010).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import structlog

from serving.delivery.breaker import CircuitBreaker
from serving.delivery.exceptions import DeliveryError, PermanentDeliveryError
from serving.delivery.providers.base import DeliveryProvider
from serving.delivery.retry import RetryPolicy
from serving.outbound import OutboundMessage

__all__ = ["AttemptOutcome", "deliver_with_retries"]

log = structlog.get_logger("serving.delivery")


@dataclass(frozen=True, slots=True)
class AttemptOutcome:
    status: Literal["delivered", "dead_lettered"]
    attempts: int
    provider_ref: str | None = None
    reason: str | None = None  # dead letters: retries_exhausted, permanent, ...
    error: str | None = None


def deliver_with_retries(
    message: OutboundMessage,
    *,
    provider: DeliveryProvider,
    breaker: CircuitBreaker,
    policy: RetryPolicy,
    sleep: Callable[[float], None],
    attempts_before: int = 0,
    on_attempt: Callable[[int], object] | None = None,
    on_failure: Callable[[DeliveryError], None] | None = None,
) -> AttemptOutcome:
    """Deliver ``message``; ``attempts_before`` counts tries made by an earlier process."""
    attempt = attempts_before
    last_error: str | None = None
    while True:
        if attempt >= policy.max_attempts:
            return AttemptOutcome(
                "dead_lettered", attempt, reason="retries_exhausted", error=last_error
            )
        while not breaker.allow():
            sleep(max(breaker.wait_time(), 0.01))
        attempt += 1
        if on_attempt is not None:
            on_attempt(attempt)
        try:
            ref = provider.send(message)
        except PermanentDeliveryError as exc:
            breaker.record_success()  # the provider answered: it is up, the message is bad
            if on_failure is not None:
                on_failure(exc)
            return AttemptOutcome("dead_lettered", attempt, reason=exc.reason, error=str(exc))
        except Exception as exc:  # transient, or an adapter bug: retried, then dead-lettered
            error = exc if isinstance(exc, DeliveryError) else DeliveryError(repr(exc))
            breaker.record_failure()
            last_error = str(error)
            if on_failure is not None:
                on_failure(error)
            log.warning(
                "delivery attempt failed",
                notification_id=message.notification_id,
                attempt=attempt,
                reason=error.reason,
                error=last_error[:300],
                breaker=breaker.state,
            )
            if policy.should_retry(attempt):
                sleep(policy.delay(attempt))
            continue
        breaker.record_success()
        return AttemptOutcome("delivered", attempt, provider_ref=ref)
