"""SIGKILL a delivery worker mid-run and restart it: no lost and no duplicate notification.

The provider is an HTTP endpoint that honours ``Idempotency-Key`` like a real one. A kill
between the provider's acceptance and the status write makes the restarted worker send
that one message again (at-least-once towards the provider, docs/adr/0010); the provider
drops the repeat by its key, so what it *accepted* is exactly the outbound set.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from typing import Any

import pytest

from clarion.settings import Settings
from serving.delivery.wiring import outbound_topic_for
from serving.outbound import DeliveryReceipt
from tests.fixtures.stack import unique_name
from tests.serving.delivery._messages import outbound
from tests.serving.delivery.conftest import settings_env
from tests.serving.delivery.kafka_helpers import create_topic, produce, read_all
from tests.serving.delivery.receivers import HttpReceiver, http_receiver

pytestmark = [pytest.mark.kafka, pytest.mark.cassandra]

N = 300


def start_worker(
    settings: Settings, group: str, *, idle_exit_after: int
) -> subprocess.Popen[bytes]:
    env = {**os.environ, **settings_env(settings)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "serving.delivery.cli",
            "run",
            "--channel",
            "webhook",
            "--group",
            group,
            "--instance-id",
            "webhook-0",
            "--idle-exit-after",
            str(idle_exit_after),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for(condition: Any, *, timeout: float, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            err = proc.stderr.read().decode()[-3000:] if proc.stderr else ""
            pytest.fail(f"worker exited with {proc.returncode}:\n{err}")
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting for the worker")
        time.sleep(0.05)


def test_sigkill_mid_run_loses_and_duplicates_nothing(
    delivery_settings: Settings, cassandra_session: Any
) -> None:
    topic = outbound_topic_for(delivery_settings, "webhook")
    create_topic(delivery_settings.kafka, topic, 3)
    group = unique_name("delivery_webhook")
    with http_receiver(delay=0.005) as hook:
        messages = [outbound(n, address=f"{hook.url}/hook") for n in range(N)]
        produce(delivery_settings.kafka, topic, messages)
        first = start_worker(delivery_settings, group, idle_exit_after=1000)
        try:
            wait_for(lambda: len(hook.accepted) >= N // 3, timeout=90, proc=first)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
        sent_before_restart = len(hook.accepted)
        second = start_worker(delivery_settings, group, idle_exit_after=6)
        try:
            wait_for(lambda: len(hook.accepted) >= N, timeout=90, proc=second)
            assert second.wait(timeout=60) == 0
        finally:
            if second.poll() is None:
                second.kill()
                second.wait()
        assert sent_before_restart < N  # the kill really was mid-run
        check_no_loss_no_duplicate(hook, messages, delivery_settings, cassandra_session)


def check_no_loss_no_duplicate(
    hook: HttpReceiver, messages: list[Any], settings: Settings, session: Any
) -> None:
    expected = {m.notification_id for m in messages}
    # provider side: every notification accepted exactly once
    assert set(hook.accepted) == expected
    # at most the one message in flight at the kill was sent twice (and dropped by its key)
    assert len(hook.repeats) <= 1
    assert len(hook.keys_sent()) == N + len(hook.repeats)
    # receipts: every notification delivered, replays identical to the first report
    records = read_all(settings.kafka, settings.kafka.receipts_topic, expect=N, timeout=30)
    receipts: dict[str, set[DeliveryReceipt]] = defaultdict(set)
    for r in records:
        receipt = DeliveryReceipt.from_json(r.value)
        receipts[receipt.notification_id].add(receipt)
    assert set(receipts) == expected
    assert all(len(v) == 1 and next(iter(v)).status == "delivered" for v in receipts.values())
    # status table
    table = f"{settings.cassandra.keyspace}.{settings.delivery.status_table}"
    query = f"SELECT status FROM {table} WHERE notification_id = %s"
    statuses = Counter(session.execute(query, (i,)).one().status for i in expected)
    assert statuses == {"delivered": N}
