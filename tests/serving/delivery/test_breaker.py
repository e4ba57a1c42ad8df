from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from serving.delivery import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_consecutive_failures_only() -> None:
    clock = Clock()
    b = CircuitBreaker(failure_threshold=3, reset_timeout=10, clock=clock)
    b.record_failure()
    b.record_failure()
    b.record_success()  # resets the run
    b.record_failure()
    b.record_failure()
    assert b.state == "closed" and b.allow()
    b.record_failure()
    assert b.state == "open"
    assert not b.allow()
    assert b.wait_time() == 10


def test_half_open_lets_one_probe_through() -> None:
    clock = Clock()
    b = CircuitBreaker(failure_threshold=1, reset_timeout=5, clock=clock)
    b.record_failure()
    clock.now += 4.9
    assert not b.allow() and b.wait_time() > 0
    clock.now += 0.1
    assert b.allow() and b.state == "half_open"
    assert not b.allow()  # a second caller waits for the probe's outcome


def test_failed_probe_reopens_for_a_full_timeout() -> None:
    clock = Clock()
    changes: list[str] = []
    b = CircuitBreaker(failure_threshold=1, reset_timeout=5, clock=clock, on_change=changes.append)
    b.record_failure()
    clock.now += 5
    assert b.allow()
    b.record_failure()
    assert b.state == "open" and b.wait_time() == 5
    clock.now += 5
    assert b.allow()
    b.record_success()
    assert b.state == "closed" and b.consecutive_failures == 0
    assert changes == ["open", "half_open", "open", "half_open", "closed"]
    assert b.opened_count == 2


@given(st.lists(st.sampled_from(["ok", "fail", "tick"]), max_size=60))
def test_never_calls_through_an_open_breaker(events: list[str]) -> None:
    clock = Clock()
    b = CircuitBreaker(failure_threshold=2, reset_timeout=3, clock=clock)
    for event in events:
        if event == "tick":
            clock.now += 1
            continue
        state_before = b.state
        allowed = b.allow()
        if state_before == "open" and b.state == "open":
            assert not allowed
        if allowed:
            (b.record_success if event == "ok" else b.record_failure)()
        assert (b.state == "open") == (b.wait_time() > 0 and b.state != "half_open")
