"""Load campaign files: one place that reads YAML, validates it and names what is wrong.

Every problem is reported as ``<file>: <field path>: <problem>``; all the
problems of a file are reported together, so a marketer fixes them in one pass.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from clarion.settings import project_root
from marketing.campaigns.exceptions import CampaignDefinitionError
from marketing.campaigns.schema import Campaign
from marketing.campaigns.templates import template_problems

__all__ = ["campaign_files", "default_campaigns_dir", "load_campaign", "load_campaigns"]


def default_campaigns_dir() -> Path:
    """The repository's ``campaigns/`` folder."""
    return project_root() / "campaigns"


def campaign_files(folder: Path | None = None) -> list[Path]:
    """The campaign files of ``folder`` (default ``campaigns/``), sorted."""
    return sorted((folder or default_campaigns_dir()).glob("*.yaml"))


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "<file>"


def _pydantic_problems(error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        loc = _location(tuple(item["loc"]))
        if item["type"] == "extra_forbidden":
            message = "unknown field (check its spelling; see campaigns/README.md)"
        if item["type"] == "missing":
            message = "required field is missing"
        problems.append(f"{loc}: {message}")
    return problems


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CampaignDefinitionError(f"{path}: cannot read the file: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CampaignDefinitionError(f"{path}: not valid YAML{where}: {problem}") from None


def load_campaign(path: Path | str, *, known_segments: Collection[str] | None = None) -> Campaign:
    """Read and check one campaign file.

    Args:
        path: The YAML file; its name (without ``.yaml``) must be the campaign ``id``.
        known_segments: Segment names that exist (``segments/*.yaml``); when given,
            every segment the audience names must be one of them.

    Raises:
        CampaignDefinitionError: Naming the file, each bad field's path and the problem.
    """
    path = Path(path)
    raw = _read(path)
    if not isinstance(raw, dict):
        raise CampaignDefinitionError(
            f"{path}: <file>: expected a mapping of campaign fields (id, name, owner, ...), "
            f"got {type(raw).__name__}"
        )
    try:
        campaign = Campaign.model_validate(raw)
    except ValidationError as exc:
        raise CampaignDefinitionError(
            f"{path}: " + f"\n{path}: ".join(_pydantic_problems(exc))
        ) from None
    problems = template_problems(campaign)
    if campaign.id != path.stem:
        problems.insert(0, f"id: {campaign.id!r} must equal the file name {path.stem!r}")
    if known_segments is not None:
        segments = campaign.audience.segments
        for field, names in (("include", segments.include), ("exclude", segments.exclude)):
            unknown = sorted(set(names) - set(known_segments))
            if unknown:
                problems.append(
                    f"audience.segments.{field}: unknown segment(s) {unknown}; "
                    f"declared: {sorted(known_segments)}"
                )
    if problems:
        raise CampaignDefinitionError(f"{path}: " + f"\n{path}: ".join(problems))
    return campaign


def load_campaigns(
    folder: Path | None = None, *, known_segments: Collection[str] | None = None
) -> list[Campaign]:
    """Every campaign file of ``folder``; the first invalid file raises."""
    return [load_campaign(p, known_segments=known_segments) for p in campaign_files(folder)]
