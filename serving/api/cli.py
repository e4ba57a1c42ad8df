"""``clarion api serve``: the HTTP API under uvicorn."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

__all__ = ["app"]

app = typer.Typer(help="The HTTP API: inbox, preferences, consent, sends, views, decisions.")


@app.callback()
def _root() -> None:
    """The HTTP API."""


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default: api.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: api.port).")] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning, error.")] = "info",
    log_style: Annotated[Literal["json", "console"], typer.Option()] = "json",
) -> None:
    """Serve the API until stopped (SIGTERM/SIGINT stop it gracefully)."""
    import uvicorn

    from clarion.settings import load_settings
    from serving.api.app import create_app
    from serving.dispatch.runtime.logs import configure_logging

    configure_logging(level=log_level, style=log_style)
    settings = load_settings()
    uvicorn.run(
        create_app(settings),
        host=host or settings.api.host,
        port=port or settings.api.port,
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    app()
