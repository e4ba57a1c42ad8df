"""``python -m clarion.orchestration prepare | env``: ``clarion airflow``, for scripts."""

import sys

import typer

from clarion.exceptions import ClarionError
from clarion.orchestration.cli import app

try:
    app(prog_name="python -m clarion.orchestration")
except ClarionError as exc:
    typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
    sys.exit(1)
