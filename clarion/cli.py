"""The ``clarion`` command: the one entry point operators and the README use.

Each area contributes its own sub-commands from its own module; this file only
wires them together and turns Clarion's errors into a clear message and exit 1.
"""

from __future__ import annotations

import typer

from clarion.entry_point import run_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="clarion",
    help="Clarion: a notification platform for very large audiences.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from clarion.demo import demo
    from clarion.orchestration.cli import app as airflow_app
    from clarion.stack.cli import app as stack_app
    from clarion.world.cli import generate
    from marketing.cli import app as campaign_app
    from serving.api.cli import app as api_app
    from serving.cli import app as dispatcher_app
    from serving.delivery.cli import app as delivery_app
    from speed_layer.cli import app as speed_app

    app.add_typer(stack_app, name="stack", help="Start, stop and inspect the local stack.")
    app.add_typer(airflow_app, name="airflow", help="Prepare the local Airflow home.")
    app.add_typer(speed_app, name="speed-layer", help="Run the speed layer consumer.")
    app.add_typer(
        campaign_app,
        name="campaign",
        help="Validate and preview campaign files; write their DAG files.",
    )
    app.add_typer(
        dispatcher_app,
        name="dispatcher",
        help="Run the dispatcher; seed preferences from silver.users.",
    )
    app.add_typer(delivery_app, name="delivery", help="Run a delivery worker (run --channel ...).")
    app.add_typer(api_app, name="api", help="Serve the HTTP API.")
    app.command("generate", help="Write a synthetic world: users, events, hidden truth.")(generate)
    app.command("demo", help="Run Clarion end to end on the local stack.")(demo)


_register()


def main() -> None:
    """Run the CLI; a ClarionError prints its message (no traceback) and exits 1."""
    run_app(app)


if __name__ == "__main__":
    main()
