"""``clarion airflow prepare | env``: Clarion's Airflow home from the command line.

``prepare`` makes the home ready (config, migrated database) and prints its path;
``env`` prepares it too and prints ``export`` lines, so a bin script can run::

    eval "$(python -m clarion.orchestration env)"
    airflow standalone
"""

from __future__ import annotations

import shlex

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
