"""What every deployment file must agree with: Clarion's settings and its CLI.

Pure checks over parsed YAML, shared by the Compose and Kubernetes tests: a
``CLARION_*`` name must reach a settings field, a value set must validate, and
the arguments given to the ``clarion`` image must parse as a real command line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import typer
import yaml
from pydantic import BaseModel

from clarion.cli import app as clarion_app
from clarion.settings import ENV_NESTED, ENV_PREFIX, Settings

__all__ = [
    "INFRA",
    "CommandLineError",
    "environment_names",
    "load_documents",
    "parse_clarion_args",
    "settings_field",
]

INFRA = Path(__file__).resolve().parents[2] / "infra"


def load_documents(path: Path) -> list[dict[str, Any]]:
    """Every non-empty YAML document of ``path`` (merge keys and anchors resolved)."""
    with path.open() as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


def settings_field(name: str) -> str:
    """The dotted settings field behind ``CLARION_<SECTION>__<FIELD>``; KeyError if none."""
    if not name.startswith(ENV_PREFIX):
        raise KeyError(f"{name}: not a CLARION_ variable")
    model: type[BaseModel] = Settings
    parts = name[len(ENV_PREFIX) :].lower().split(ENV_NESTED)
    for depth, part in enumerate(parts):
        field = model.model_fields.get(part)
        if field is None:
            raise KeyError(f"{name}: {model.__name__} has no field {part!r}")
        annotation = field.annotation
        if depth < len(parts) - 1:
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                raise KeyError(f"{name}: {part!r} is not a section")
            model = annotation
    return ".".join(parts)


class CommandLineError(ValueError):
    """Arguments that ``clarion`` would refuse: unknown command or option, bad value."""


def parse_clarion_args(args: Sequence[str]) -> dict[str, Any]:
    """Parse ``clarion <args>`` down to the leaf command, without running it.

    Returns:
        The leaf command's parameters as parsed (defaults filled in).

    Raises:
        CommandLineError: ``clarion`` would refuse these arguments.
    """
    command: Any = typer.main.get_command(clarion_app)
    ctx = command.context_class(command, info_name="clarion")
    rest = list(args)
    while hasattr(command, "get_command"):  # a group: the next word names a sub-command
        if not rest:
            raise CommandLineError(f"{ctx.command_path}: a sub-command is required")
        name, rest = rest[0], rest[1:]
        sub = command.get_command(ctx, name)
        if sub is None:
            raise CommandLineError(f"{ctx.command_path}: no sub-command {name!r}")
        command = sub
        ctx = command.context_class(command, parent=ctx, info_name=name)
    try:
        leaf = command.make_context(ctx.info_name, rest, parent=ctx.parent)
    except Exception as exc:  # typer's vendored click raises its own UsageError types
        raise CommandLineError(f"clarion {' '.join(args)}: {exc}") from exc
    return dict(leaf.params)


def environment_names(env: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Iterator[str]:
    """Names of a Compose mapping or a Kubernetes ``env`` list."""
    if isinstance(env, Mapping):
        yield from env
    else:
        yield from (item["name"] for item in env)
