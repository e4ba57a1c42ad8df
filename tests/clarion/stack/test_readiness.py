from __future__ import annotations

import pytest

from clarion.stack._pidfile import PidRecord
from clarion.stack._readiness import (
    ProcessFacts,
    classify_existing,
    failure_message,
    next_step,
    tail,
)

RECORD = PidRecord(
    service="cassandra", pid=100, create_time=5000.0, marker="file:///s/cassandra.yaml"
)


def facts(**changes: object) -> ProcessFacts:
    base: dict[str, object] = {
        "pid": 100,
        "create_time": 5000.3,
        "cmdline": ("java", "-Dcassandra.config=file:///s/cassandra.yaml", "CassandraDaemon"),
    }
    return ProcessFacts(**(base | changes))  # type: ignore[arg-type]


def test_no_pidfile_means_nothing_to_reuse() -> None:
    assert classify_existing(None, None) == "none"


def test_our_live_process_is_reused() -> None:
    assert classify_existing(RECORD, facts()) == "ours"


@pytest.mark.parametrize(
    "observed",
    [
        None,  # the process is gone
        facts(zombie=True),  # dead, not yet reaped
        facts(create_time=9999.0),  # the pid was reused by a newer process
        facts(cmdline=("bash",)),  # the pid belongs to another program
        facts(pid=101),
    ],
)
def test_anything_else_is_stale(observed: ProcessFacts | None) -> None:
    assert classify_existing(RECORD, observed) == "stale"


@pytest.mark.parametrize(
    ("answered", "exited", "elapsed", "expected"),
    [
        (True, False, 1.0, "ready"),
        (True, False, 999.0, "ready"),  # an answer at the deadline still counts
        (False, True, 1.0, "exited"),
        (False, True, 999.0, "exited"),  # an exit says more than a timeout
        (False, False, 60.0, "timeout"),
        (False, False, 59.9, "wait"),
    ],
)
def test_next_step(answered: bool, exited: bool, elapsed: float, expected: str) -> None:
    assert next_step(answered=answered, exited=exited, elapsed=elapsed, timeout=60.0) == expected


def test_tail_keeps_the_last_lines() -> None:
    text = "".join(f"line {i}\n" for i in range(50))
    assert tail(text).splitlines() == [f"line {i}" for i in range(30, 50)]
    assert tail("   \n") == ""


def test_failure_message_names_service_logs_and_advice() -> None:
    message = failure_message(
        service="kafka",
        what="not ready after 90 s",
        logs=[("/s/kafka.log", "ERROR boom"), ("/s/kafka.out", "")],
        advice="Do this.",
    )
    assert message.splitlines() == [
        "kafka: not ready after 90 s.",
        "Last lines of /s/kafka.log:",
        "  ERROR boom",
        "Do this.",
    ]


def test_failure_message_says_when_logs_are_empty() -> None:
    message = failure_message(
        service="redis", what="exited", logs=[("/s/r.log", "")], advice="Do this."
    )
    assert "Its logs are empty: /s/r.log" in message
