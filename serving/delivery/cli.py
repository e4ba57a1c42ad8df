"""``clarion delivery run --channel email``: one delivery worker process.

Stops cleanly on SIGTERM/SIGINT after the batch in hand (its outputs flushed and
offsets committed); a SIGKILL is safe too (docs/adr/0010).
"""

from __future__ import annotations

import signal
import threading
from typing import Annotated, Literal

import typer

__all__ = ["app"]

app = typer.Typer(help="Delivery workers: outbound.<channel> -> provider -> delivery.receipts.")

ChannelName = Literal["webhook", "email", "push", "in_app"]


@app.callback()
def _root() -> None:
    """Delivery workers."""


@app.command()
def run(
    channel: Annotated[ChannelName, typer.Option(help="The channel this worker delivers.")],
    topic: Annotated[
        str | None, typer.Option(help="Outbound topic (default <outbound prefix><channel>).")
    ] = None,
    group: Annotated[
        str | None, typer.Option(help="Consumer group (default delivery.<channel>).")
    ] = None,
    instance_id: Annotated[
        str | None,
        typer.Option(help="Static group membership id (pod name): fast takeover on restart."),
    ] = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus metrics on this port (0: any free).")
    ] = None,
    idle_exit_after: Annotated[
        int | None, typer.Option(help="Exit after this many empty polls in a row (batch runs).")
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning, error.")] = "info",
    log_style: Annotated[Literal["json", "console"], typer.Option()] = "json",
) -> None:
    """Run one delivery worker for CHANNEL until stopped."""
    from clarion.settings import load_settings
    from clarion.stack.cassandra import cluster
    from serving.delivery.metrics import DeliveryMetrics
    from serving.delivery.wiring import build_worker
    from serving.dispatch.runtime.logs import configure_logging

    configure_logging(level=log_level, style=log_style)
    settings = load_settings()
    metrics = DeliveryMetrics()
    if metrics_port is not None:
        bound = metrics.serve(metrics_port)
        typer.echo(f"metrics on :{bound}/metrics", err=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with cluster(settings) as c:
        session = c.connect()
        worker = build_worker(
            settings,
            channel,
            session=session,
            topic=topic,
            group_id=group,
            instance_id=instance_id,
            metrics=metrics,
        )
        try:
            worker.run(stop=stop, idle_exit_after=idle_exit_after)
        finally:
            worker.close()


if __name__ == "__main__":
    app()
