"""``clarion dispatcher run`` (and ``python -m serving.cli run``): start one dispatcher.

SIGTERM and SIGINT stop it gracefully: the batch in hand is made durable and
committed, the consumer leaves its group and the process exits 0.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from clarion.entry_point import run_app
from clarion.exceptions import ClarionError
from clarion.settings import load_settings

__all__ = ["app", "main"]

app = typer.Typer(
    help="The dispatcher: decide every notification intent and fan out the sends.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_CHANNELS = ("email", "push", "sms", "in_app", "webhook")


@app.callback()
def _group() -> None:
    """The dispatcher's commands."""


@app.command("run")
def run(
    intents_topic: Annotated[str | None, typer.Option(help="Intents topic to read.")] = None,
    dlq_topic: Annotated[str | None, typer.Option(help="Dead-letter topic.")] = None,
    outbound_prefix: Annotated[
        str | None, typer.Option(help="Outbound topics are <prefix><channel>.")
    ] = None,
    key_prefix: Annotated[str | None, typer.Option(help="Redis key prefix.")] = None,
    keyspace: Annotated[str | None, typer.Option(help="Cassandra keyspace.")] = None,
    group_id: Annotated[str | None, typer.Option(help="Consumer group.")] = None,
    instance_id: Annotated[
        str | None, typer.Option(help="Stable id of this process slot (fences a predecessor).")
    ] = None,
    policy_file: Annotated[Path | None, typer.Option(help="Dispatch policy YAML.")] = None,
    templates_dir: Annotated[Path | None, typer.Option(help="Template catalog folder.")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Records per transaction.")] = None,
    settle_seconds: Annotated[
        float | None, typer.Option(help="Redo an unconfirmed send after this long.")
    ] = None,
    threads: Annotated[int | None, typer.Option(help="Threads reading merged views.")] = None,
    metrics_port: Annotated[int | None, typer.Option(help="Prometheus port (0: any).")] = None,
    no_view: Annotated[bool, typer.Option(help="Do not read the merged view.")] = False,
    create_topics: Annotated[bool, typer.Option(help="Create missing topics first.")] = False,
    idle_exit: Annotated[
        float | None, typer.Option(help="Exit after this many idle seconds (batch runs).")
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug | info | warning")] = "info",
    log_style: Annotated[str, typer.Option(help="json | console")] = "json",
) -> None:
    """Consume the intents topic until SIGTERM."""
    from clarion.stack.cassandra import cluster, keyspace_cql
    from clarion.stack.redis import client
    from serving.dispatch import load_policy
    from serving.dispatch.policy_file import EXAMPLE_POLICY
    from serving.dispatch.runtime import (
        Dispatcher,
        RuntimeOptions,
        configure_logging,
        ensure_topics,
    )

    configure_logging(level=log_level, style="console" if log_style == "console" else "json")
    settings = load_settings()
    overrides: dict[str, Any] = {
        "intents_topic": intents_topic,
        "dlq_topic": dlq_topic,
        "outbound_prefix": outbound_prefix,
        "key_prefix": key_prefix,
        "keyspace": keyspace,
        "group_id": group_id,
        "instance_id": instance_id,
        "policy_file": policy_file,
        "templates_dir": templates_dir,
        "batch_size": batch_size,
        "effects_settle_seconds": settle_seconds,
        "decide_threads": threads,
        "metrics_port": metrics_port,
        "use_view": False if no_view else None,
    }
    try:
        options = RuntimeOptions.from_settings(settings, **overrides)
    except ValueError as exc:
        raise ClarionError(f"invalid dispatcher options:\n{exc}") from None
    policy = load_policy(options.policy_file or EXAMPLE_POLICY)
    if create_topics:
        n = settings.kafka.partitions
        topics = {options.intents_topic: n, options.dlq_topic: n}
        topics.update({options.outbound_topic(ch): n for ch in _CHANNELS})
        ensure_topics(options.kafka, topics)
    redis_client = client(settings)
    with cluster(settings) as cass:
        session = cass.connect()
        session.execute(keyspace_cql(options.keyspace, settings.cassandra.replication))
        dispatcher = Dispatcher(
            options, policy=policy, redis_client=redis_client, cassandra_session=session
        )
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        if options.metrics_port is not None:
            dispatcher.metrics.serve(options.metrics_port)
        dispatcher.start()
        try:
            dispatcher.run(stop, idle_exit_after=idle_exit)
        finally:
            dispatcher.close()
            redis_client.close()


@app.command("import-preferences")
def import_preferences(
    table: Annotated[
        str | None, typer.Option(help="Delta table URI (default: the lake's silver.users).")
    ] = None,
    key_prefix: Annotated[str | None, typer.Option(help="Redis key prefix.")] = None,
) -> None:
    """Seed the preference store from the current rows of silver.users."""
    from clarion.stack.redis import client
    from serving.preferences import RedisPreferenceStore
    from serving.preferences.silver_users import import_silver_users

    settings = load_settings()
    redis_client = client(settings)
    try:
        store = RedisPreferenceStore(
            redis_client, key_prefix=key_prefix or settings.redis.key_prefix
        )
        store.setup()
        n = import_silver_users(store, table_uri=table or settings.table_uri("silver.users"))
    finally:
        redis_client.close()
    typer.echo(f"imported the preferences of {n:,} users")


def main() -> None:
    """Run the command; a ClarionError prints its message and exits 1."""
    run_app(app)


if __name__ == "__main__":
    main()
