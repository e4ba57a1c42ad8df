"""Config templates under ``infra/<service>/``, with ``{{ name }}`` placeholders.

The placeholder syntax leaves ``${...}`` alone, which log4j2, logback and shells use themselves.

>>> render("port {{ port }}", {"port": 26379})
'port 26379'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from clarion.settings import project_root
from clarion.stack.exceptions import StackError

__all__ = ["infra_file", "render", "render_file"]

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def render(text: str, values: Mapping[str, object], *, source: str = "template") -> str:
    """Fill every ``{{ name }}`` in ``text``; a name without a value is an error, not a blank."""
    missing = sorted({m.group(1) for m in _PLACEHOLDER.finditer(text)} - values.keys())
    if missing:
        raise StackError(f"{source}: no value for placeholder(s) {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), text)


def infra_file(service: str, name: str) -> Path:
    """A file shipped with the project under ``infra/<service>/``."""
    path = project_root() / "infra" / service / name
    if not path.is_file():
        raise StackError(f"{service}: missing {path}; is this a complete Clarion checkout?")
    return path


def render_file(service: str, name: str, values: Mapping[str, object], target: Path) -> Path:
    """Render ``infra/<service>/<name>`` into ``target`` (rewritten only when it changes)."""
    source = infra_file(service, name)
    text = render(source.read_text(), values, source=str(source))
    if not target.is_file() or target.read_text() != text:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return target
