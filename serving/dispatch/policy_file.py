"""Load a :class:`DispatchPolicy` from YAML, failing with the file, the field and what was wrong.

The file mirrors the model; durations read as ``"30s"``, ``"24h"``, ``"7d"``
and local times as quoted ``"22:00"``. See ``serving/dispatch/policy.example.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from serving.dispatch.exceptions import PolicyError
from serving.dispatch.policy import DispatchPolicy

__all__ = ["EXAMPLE_POLICY", "load_policy", "policy_from_yaml"]

EXAMPLE_POLICY = Path(__file__).with_name("policy.example.yaml")


def load_policy(path: str | Path) -> DispatchPolicy:
    """Read and validate one policy file.

    Raises:
        PolicyError: the file is missing, is not YAML, or a field is invalid.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the dispatch policy ({exc.strerror})") from exc
    return policy_from_yaml(text, source=str(path))


def policy_from_yaml(text: str, *, source: str = "<string>") -> DispatchPolicy:
    """Validate YAML text; ``source`` names it in errors."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{source}: not valid YAML: {exc}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError(
            f"{source}: expected a mapping of policy fields, got {type(data).__name__}"
        )
    try:
        return DispatchPolicy.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"  {_field(err['loc'])}: {err['msg']} (got {err.get('input')!r})"
            for err in exc.errors()
        ]
        raise PolicyError(f"{source}: invalid dispatch policy:\n" + "\n".join(lines)) from None


def _field(loc: tuple[int | str, ...]) -> str:
    """``caps.0.limit``; pydantic's ``[key]`` marker (a bad mapping key) is left out."""
    return ".".join(str(part) for part in loc if part != "[key]") or "(top level)"
