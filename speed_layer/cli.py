"""``clarion speed-layer run`` (and ``python -m speed_layer run``): start one consumer.

SIGTERM and SIGINT stop it gracefully: the batch in hand is committed, the consumer
leaves its group and the process exits 0.
"""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Annotated, Any

import typer

from clarion.entry_point import run_app
from clarion.exceptions import ClarionError
from clarion.settings import load_settings

__all__ = ["app", "main"]

app = typer.Typer(
    help="The speed layer: real-time view and trigger rules.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _group() -> None:
    """The speed layer's commands."""


def _parse_options(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise typer.BadParameter(f"{pair!r}: expected name=value", param_hint="--option")
        out[key.strip().replace("-", "_")] = value.strip()
    return out


@app.command("run")
def run(
    events_topic: Annotated[str | None, typer.Option(help="Topic to read.")] = None,
    dlq_topic: Annotated[str | None, typer.Option(help="Dead-letter topic.")] = None,
    intents_topic: Annotated[str | None, typer.Option(help="Intents topic.")] = None,
    key_prefix: Annotated[str | None, typer.Option(help="Redis key prefix.")] = None,
    group_id: Annotated[str | None, typer.Option(help="Consumer group.")] = None,
    instance_id: Annotated[str | None, typer.Option(help="Stable id of this process slot.")] = None,
    static_membership: Annotated[
        bool, typer.Option(help="Group instance id = instance id.")
    ] = False,
    rules_file: Annotated[Path | None, typer.Option(help="Trigger rules YAML.")] = None,
    metrics_port: Annotated[int | None, typer.Option(help="Prometheus port (0: any).")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Records per transaction.")] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option", "-o", help="Any other consumer option, e.g. -o idle_timer_after=1s."
        ),
    ] = None,
    create_topics: Annotated[bool, typer.Option(help="Create missing topics first.")] = False,
    event_errors: Annotated[str, typer.Option(help="dead_letter | skip | fail")] = "dead_letter",
    log_level: Annotated[str, typer.Option(help="debug | info | warning")] = "info",
    log_style: Annotated[str, typer.Option(help="json | console")] = "json",
) -> None:
    """Consume the events topic until SIGTERM."""
    from clarion.logs import configure_logging
    from speed_layer.error_policy import ErrorPolicy
    from speed_layer.kafka import ensure_topics
    from speed_layer.options import ConsumerOptions
    from speed_layer.runner import SpeedLayer

    configure_logging(level=log_level, style="console" if log_style == "console" else "json")
    settings = load_settings()
    overrides = {
        "events_topic": events_topic,
        "dlq_topic": dlq_topic,
        "intents_topic": intents_topic,
        "key_prefix": key_prefix,
        "group_id": group_id,
        "instance_id": instance_id,
        "rules_file": rules_file,
        "metrics_port": metrics_port,
        "batch_size": batch_size,
        "static_membership": static_membership or None,
        **_parse_options(option or []),
    }
    try:
        options = ConsumerOptions.from_settings(settings, **overrides)
    except ValueError as exc:
        raise ClarionError(f"invalid speed layer options:\n{exc}") from None
    if event_errors not in ("dead_letter", "skip", "fail"):
        raise typer.BadParameter("dead_letter, skip or fail", param_hint="--event-errors")
    if create_topics:
        n = settings.kafka.partitions
        ensure_topics(
            options.kafka, {options.events_topic: n, options.dlq_topic: n, options.intents_topic: n}
        )
    layer = SpeedLayer(options, error_policy=ErrorPolicy(on_event_error=event_errors))  # type: ignore[arg-type]
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: layer.stop())
    layer.run()


def main() -> None:
    """Run the command; a ClarionError prints its message and exits 1."""
    run_app(app)
