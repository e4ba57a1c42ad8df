"""The real services of the local stack, each checked by a client other than the one that wrote.

Kafka: kafka-python produces, Kafka's own console consumer reads. Cassandra: a CQL round trip
with the compiled driver. Redis: SET/GET, a pipeline, a Lua script. And ``up`` reuses what runs.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, KafkaProducer

from clarion.settings import Settings
from clarion.stack import ServiceReport, up
from clarion.stack.cassandra import keyspace_cql
from clarion.stack.kafka import CONSOLE_CONSUMER_MAIN, tool_argv
from tests.fixtures.stack import unique_name


@pytest.mark.kafka
def test_console_consumer_reads_what_kafka_python_produced(
    kafka_bootstrap: str, stack_settings: Settings
) -> None:
    topic = unique_name("stack_console")
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        admin.create_topics({topic: {"num_partitions": 3, "replication_factor": 1}})
        admin.wait_for_topics([topic])
    finally:
        admin.close()
    sent = [(f"user-{i % 7}", f'{{"n": {i}}}') for i in range(40)]
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    for key, value in sent:
        producer.send(topic, key=key.encode(), value=value.encode())
    producer.flush()
    producer.close()

    argv = tool_argv(
        stack_settings,
        CONSOLE_CONSUMER_MAIN,
        "--bootstrap-server",
        kafka_bootstrap,
        "--topic",
        topic,
        "--from-beginning",
        "--max-messages",
        str(len(sent)),
        "--timeout-ms",
        "60000",
        "--property",
        "print.key=true",
        "--property",
        "key.separator=|",
    )
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)

    assert result.returncode == 0, result.stderr
    read = [tuple(line.split("|", 1)) for line in result.stdout.splitlines() if line]
    assert Counter(read) == Counter(sent)


@pytest.mark.cassandra
def test_cql_round_trip_with_the_compiled_driver(cassandra_session) -> None:  # type: ignore[no-untyped-def]
    import cassandra.cluster
    from cassandra import cython_deps

    keyspace = unique_name("stack_cql")
    session = cassandra_session
    session.execute(keyspace_cql(keyspace, {"datacenter1": 1}))
    try:
        session.execute(
            f"CREATE TABLE {keyspace}.inbox (user_id text, seq int, body text, "
            "PRIMARY KEY (user_id, seq))"
        )
        insert = session.prepare(
            f"INSERT INTO {keyspace}.inbox (user_id, seq, body) VALUES (?, ?, ?)"
        )
        for seq in range(3):
            session.execute(insert, ("u1", seq, f"hello {seq}"))
        rows = session.execute(
            f"SELECT seq, body FROM {keyspace}.inbox WHERE user_id = %s", ("u1",)
        )
        assert [(r.seq, r.body) for r in rows] == [(0, "hello 0"), (1, "hello 1"), (2, "hello 2")]
        version = session.execute("SELECT release_version FROM system.local").one()
        assert version.release_version.startswith("5.0")
    finally:
        session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
    assert cassandra.cluster.__file__.endswith(".so")
    assert cython_deps.HAVE_CYTHON


@pytest.mark.redis
def test_redis_round_trip(redis_client) -> None:  # type: ignore[no-untyped-def]
    prefix = unique_name("stack_redis")
    keys = [f"{prefix}:greeting", f"{prefix}:counter", f"{prefix}:capped"]
    try:
        assert redis_client.set(keys[0], "hello")
        assert redis_client.get(keys[0]) == b"hello"

        pipe = redis_client.pipeline(transaction=True)
        pipe.incr(keys[1]).incr(keys[1]).incrby(keys[1], 5).get(keys[1])
        assert pipe.execute() == [1, 2, 7, b"7"]

        # A frequency cap in one atomic step: increment, set the window once, report the count.
        script = (
            "local n = redis.call('INCR', KEYS[1]) "
            "if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n"
        )
        counts = [redis_client.eval(script, 1, keys[2], 60) for _ in range(3)]
        assert counts == [1, 2, 3]
        assert 0 < redis_client.ttl(keys[2]) <= 60
    finally:
        redis_client.delete(*keys)


@pytest.mark.kafka
@pytest.mark.cassandra
@pytest.mark.redis
def test_second_up_reuses_the_running_services(
    stack: list[ServiceReport], stack_settings: Settings
) -> None:
    again = up(stack_settings)

    assert {r.name: r.pid for r in again} == {r.name: r.pid for r in stack}
    assert {r.action for r in again} == {"reused"}
    assert all(r.state == "running" for r in again)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.kafka
def test_a_fresh_broker_is_ready_for_consumer_groups_once_up_returns(tmp_path: Path) -> None:
    """On a new machine the first group call used to fail with CoordinatorNotAvailable
    (``__consumer_offsets`` is created on first ask): ``up`` now waits for a coordinator."""
    from clarion.settings import load_settings
    from clarion.stack import down

    bootstrap = f"127.0.0.1:{_free_port()}"
    settings = load_settings(
        environ={"CLARION_KAFKA__BOOTSTRAP_SERVERS": bootstrap}, state_dir=tmp_path
    )
    [report] = up(settings, services="kafka")
    try:
        assert report.action == "started"
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5_000)
        try:
            assert admin.list_group_offsets("a-group-never-seen") == {"a-group-never-seen": {}}
        finally:
            admin.close()
    finally:
        down(settings, services="kafka")
