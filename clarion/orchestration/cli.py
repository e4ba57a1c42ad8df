"""``clarion airflow prepare | env | run-days``: Clarion's Airflow home from the command line.

``prepare`` makes the home ready (config, migrated database) and prints its path;
``env`` prepares it too and prints ``export`` lines, so a bin script can run::

    eval "$(python -m clarion.orchestration env)"
    airflow standalone
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Annotated

import typer

from clarion.orchestration._airflow_home import prepare_airflow_home
from clarion.settings import load_settings

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


@app.command()
def prepare() -> None:
    """Write airflow.cfg and migrate the SQLite database (once); print AIRFLOW_HOME."""
    typer.echo(prepare_airflow_home(load_settings()).path)


@app.command()
def env() -> None:
    """Prepare the home, then print `export` lines for AIRFLOW_HOME and Clarion's options."""
    home = prepare_airflow_home(load_settings())
    for name, value in home.environ().items():
        typer.echo(f"export {name}={shlex.quote(value)}")


@app.command("run-days")
def run_days(
    dag_file: Path,
    dag_id: str,
    days: Annotated[list[str], typer.Argument(help="YYYY-MM-DD data-interval days, in order")],
    tables: Annotated[str, typer.Option(help="comma-separated Delta tables to read back")] = "",
    out: Annotated[Path | None, typer.Option(help="write the JSON here, not to stdout")] = None,
    conf: Annotated[str, typer.Option(help="the runs' conf, as JSON")] = "",
) -> None:
    """Run DAG_ID of DAG_FILE with dag.test() for each day; print the outcomes as one JSON line.

    Run it with the Airflow home's environment (``eval "$(clarion airflow env)"``).
    """
    from clarion.orchestration.dag_runs import run_days_here

    names = [t for t in tables.split(",") if t]
    runs = run_days_here(dag_file, dag_id, days, tables=names, conf=json.loads(conf or "{}"))
    outcomes = json.dumps(runs, default=str)
    if out is None:
        typer.echo(outcomes)
    else:
        out.write_text(outcomes)
