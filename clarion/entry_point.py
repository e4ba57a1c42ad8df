"""Run a command-line app the way every Clarion command runs: a :class:`ClarionError`
prints its message (no traceback) and exits 1."""

from __future__ import annotations

import sys

import typer

from clarion.exceptions import ClarionError

__all__ = ["run_app"]


def run_app(app: typer.Typer) -> None:
    """Run ``app``; a ClarionError prints ``error: <message>`` in red on stderr and exits 1."""
    try:
        app()
    except ClarionError as exc:
        typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
        sys.exit(1)
