"""Errors of the template catalog and renderer (derive from ``ClarionError``)."""

from __future__ import annotations

from clarion.exceptions import ClarionError, ConfigurationError

__all__ = ["TemplateCatalogError", "TemplateRenderError"]


class TemplateCatalogError(ConfigurationError):
    """A catalog file is invalid; the message names the file and the field."""


class TemplateRenderError(ClarionError):
    """A send could not be rendered (no template, no channel text, or the template failed)."""
