"""Every Clarion command turns a ClarionError into one red line and exit 1."""

from __future__ import annotations

import pytest
import typer

from clarion.entry_point import run_app
from clarion.exceptions import ClarionError, ConfigurationError


def _app(error: Exception | None) -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

    @app.command()
    def go() -> None:
        if error is not None:
            raise error
        typer.echo("done")

    return app


def test_a_clarion_error_prints_its_message_and_exits_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.argv", ["clarion"])
    with pytest.raises(SystemExit) as exit_info:
        run_app(_app(ConfigurationError("rules.yaml: field 'when': expected an expression")))
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "error: rules.yaml: field 'when': expected an expression" in err
    assert "Traceback" not in err


def test_a_successful_command_exits_0(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.argv", ["clarion"])
    with pytest.raises(SystemExit) as exit_info:
        run_app(_app(None))
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == "done\n"


def test_other_errors_are_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.argv", ["clarion"])
    with pytest.raises(KeyError):
        run_app(_app(KeyError("bug")))
    assert not issubclass(KeyError, ClarionError)
