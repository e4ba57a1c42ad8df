"""Templates: per channel, per locale, a subject (optional) and a body, in Jinja2 syntax."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from clarion.events import Channel

__all__ = ["LocalizedText", "Template", "pick_locale"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LocalizedText(_Frozen):
    subject: str | None = None
    body: str = Field(min_length=1)


class Template(_Frozen):
    """One notification's texts: ``channels[channel][locale]``, falling back on
    ``default_locale`` when the user's locale (or its language) has no text."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_.-]{0,62}$")
    description: str = ""
    default_locale: str = "en"
    channels: dict[Channel, dict[str, LocalizedText]] = Field(min_length=1)


def pick_locale(available: list[str], wanted: str, default: str) -> str | None:
    """The best of ``available`` for ``wanted``: itself, then the same language, then the
    default (or its language), then English, then the first one.

    >>> pick_locale(["en-US", "es-ES"], "es-MX", "en-US")
    'es-ES'
    >>> pick_locale(["en-US", "es-ES"], "fr-FR", "en-US")
    'en-US'
    """
    if not available:
        return None

    def lang(tag: str) -> str:
        return tag.replace("_", "-").split("-")[0].lower()

    for target in (wanted, default, "en"):
        if target in available:
            return target
        for tag in available:
            if lang(tag) == lang(target):
                return tag
    return available[0]
