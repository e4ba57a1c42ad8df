"""The template catalog: one YAML file per template under ``serving/templates/catalog/``.

File format (``id`` must match the file name)::

    id: cart_abandoned
    description: The cart_abandoned trigger rule.
    default_locale: en
    channels:
      push:
        en: {subject: "Still thinking it over?", body: "Your {{ payload.category }} …"}
        fr: {subject: "…", body: "…"}

Trigger intents are rendered from the template named by ``payload.template_id``,
else by their rule id (``source_id``). Files are validated at load, in one place,
and errors name the file and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import yaml
from pydantic import ValidationError

from serving.templates.exceptions import TemplateCatalogError
from serving.templates.model import Template

__all__ = ["DEFAULT_CATALOG", "TemplateCatalog", "load_catalog"]

DEFAULT_CATALOG = Path(__file__).with_name("catalog")


class TemplateCatalog:
    """Templates by id (read-only after load)."""

    def __init__(self, templates: Mapping[str, Template]) -> None:
        self._templates = dict(templates)

    def get(self, template_id: str) -> Template | None:
        return self._templates.get(template_id)

    def ids(self) -> list[str]:
        return sorted(self._templates)


def load_catalog(folder: str | Path = DEFAULT_CATALOG) -> TemplateCatalog:
    """Every ``*.yaml`` in ``folder``.

    Raises:
        TemplateCatalogError: a file is unreadable or invalid; names the file and field.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise TemplateCatalogError(f"{folder}: the template catalog folder does not exist")
    templates: dict[str, Template] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise TemplateCatalogError(f"{path}: cannot read the template: {exc}") from exc
        try:
            template = Template.model_validate(data)
        except ValidationError as exc:
            lines = [
                f"  {'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}"
                for err in exc.errors()
            ]
            raise TemplateCatalogError(f"{path}: invalid template:\n" + "\n".join(lines)) from None
        if template.id != path.stem:
            raise TemplateCatalogError(
                f"{path}: id: {template.id!r} must match the file name {path.stem!r}"
            )
        templates[template.id] = template
    return TemplateCatalog(templates)
