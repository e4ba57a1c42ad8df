"""Message templates: Jinja text checked and rendered in a sandbox, and locale fallback.

A template may read three names: ``user`` (``user_id``, ``locale`` and the
user's batch features), ``campaign`` (``id``, ``name``) and ``variant``. Any
other name is an error when the file is loaded, not when a million messages
are rendered. Rendering uses Jinja's :class:`~jinja2.sandbox.SandboxedEnvironment`
(no attribute access to Python internals) with ``StrictUndefined``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from marketing.campaigns.schema import Campaign, MessageTemplate

__all__ = ["TEMPLATE_NAMES", "render_message", "resolve_locale", "template_problems"]

TEMPLATE_NAMES = frozenset({"user", "campaign", "variant"})


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def _texts(campaign: Campaign) -> Iterator[tuple[str, str]]:
    """``(field path, text)`` of every subject and body in the file."""
    sources = [("templates", campaign.templates)] + [
        (f"variants.{i}.templates", v.templates) for i, v in enumerate(campaign.variants)
    ]
    for prefix, templates in sources:
        for channel, by_locale in templates.items():
            for locale, template in by_locale.items():
                for part in ("subject", "body"):
                    text = getattr(template, part)
                    if text is not None:
                        yield f"{prefix}.{channel}.{locale}.{part}", text


def template_problems(campaign: Campaign) -> list[str]:
    """``"<path>: <problem>"`` for every template that does not parse or reads an unknown name."""
    problems = []
    env = _environment()
    for path, text in _texts(campaign):
        try:
            parsed = env.parse(text)
        except TemplateSyntaxError as exc:
            problems.append(f"{path}: template syntax error on line {exc.lineno}: {exc.message}")
            continue
        unknown = sorted(meta.find_undeclared_variables(parsed) - TEMPLATE_NAMES)
        if unknown:
            problems.append(
                f"{path}: unknown name(s) {unknown}; a template may use {sorted(TEMPLATE_NAMES)}"
            )
    return problems


def resolve_locale(available: tuple[str, ...], *, wanted: str | None, default: str) -> str:
    """The locale to send in: ``wanted`` if present, else one of its language, else ``default``.

    >>> resolve_locale(("en-US", "fr-FR"), wanted="fr-CA", default="en-US")
    'fr-FR'
    >>> resolve_locale(("en-US", "fr-FR"), wanted="de-DE", default="en-US")
    'en-US'
    """
    if wanted in available:
        return wanted
    if wanted:
        language = wanted.split("-")[0]
        same = sorted(a for a in available if a.split("-")[0] == language)
        if same:
            return same[0]
    return default


def render_message(
    template: MessageTemplate, *, campaign: Campaign, variant: str, user: Mapping[str, Any]
) -> dict[str, str | None]:
    """``{"subject", "body"}`` rendered for one user.

    Raises:
        jinja2.UndefinedError: the template reads a user field the row does not have.
    """
    env = _environment()
    context = {
        "user": dict(user),
        "campaign": {"id": campaign.id, "name": campaign.name},
        "variant": variant,
    }
    subject = env.from_string(template.subject).render(context) if template.subject else None
    return {"subject": subject, "body": env.from_string(template.body).render(context)}
