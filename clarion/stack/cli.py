"""``clarion stack up | down | status``: the local stack from the command line.

Errors are :class:`~clarion.stack.exceptions.StackError`; ``clarion.cli.main`` prints them
without a traceback.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer

from clarion.settings import load_settings
from clarion.stack._lifecycle import ServiceReport
from clarion.stack._stack import down as stack_down
from clarion.stack._stack import status as stack_status
from clarion.stack._stack import up as stack_up

__all__ = ["app", "format_report"]

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)

ServicesOption = Annotated[
    str | None,
    typer.Option("--services", "-s", help="Comma-separated subset: cassandra,kafka,redis."),
]


def format_report(report: ServiceReport) -> str:
    """One service as a few lines: state, pid, address, what happened, log path.

    >>> from pathlib import Path
    >>> print(format_report(ServiceReport(name="redis", state="running", address="127.0.0.1:26379",
    ...       log=Path("/s/redis.log"), pid=42, action="started", seconds=0.4, rss=9 * 2**20)))
    redis      running        pid 42       127.0.0.1:26379   started, ready in 0.4 s  rss 9 MiB
               log: /s/redis.log
    """
    pid = f"pid {report.pid}" if report.pid else "-"
    what = {
        "started": "started, ready in {:.1f} s",
        "reused": "already running, answered in {:.1f} s",
        "stopped": "stopped in {:.1f} s",
        "killed": "killed after {:.1f} s",
    }.get(report.action, "")
    what = what.format(report.seconds) if what and report.seconds is not None else ""
    rss = f"rss {report.rss / 2**20:.0f} MiB" if report.rss else ""
    head = f"{report.name:<10} {report.state:<14} {pid:<12} {report.address:<17} "
    head += "  ".join(part for part in (what, rss) if part)
    lines = [head.rstrip()]
    lines += [f"{'':<10} created {item}" for item in report.created]
    if report.note:
        lines.append(f"{'':<10} note: {report.note}")
    lines.append(f"{'':<10} log: {report.log}")
    return "\n".join(lines)


@app.command()
def up(
    services: ServicesOption = None,
    timeout: Annotated[
        float | None, typer.Option(help="Seconds each service may take to answer.")
    ] = None,
) -> None:
    """Start Kafka, Cassandra and Redis on loopback (or reuse them) and wait until they answer."""
    start = time.monotonic()
    reports = stack_up(load_settings(), services=services, timeout=timeout)
    for report in reports:
        typer.echo(format_report(report))
    typer.echo(f"stack ready in {time.monotonic() - start:.1f} s")


@app.command()
def down(services: ServicesOption = None) -> None:
    """Stop the services `clarion stack up` started, by their pids."""
    for report in stack_down(load_settings(), services=services):
        typer.echo(format_report(report))


@app.command()
def status(services: ServicesOption = None) -> None:
    """Show each service: running or stopped, pid, address, memory and log."""
    for report in stack_status(load_settings(), services=services):
        typer.echo(format_report(report))
