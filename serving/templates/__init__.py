"""Notification templates: a YAML catalog and a sandboxed, strict Jinja2 renderer.

>>> renderer = TemplateRenderer(load_catalog())
>>> "cart_abandoned" in load_catalog().ids()
True
"""

from serving.templates.catalog import DEFAULT_CATALOG, TemplateCatalog, load_catalog
from serving.templates.exceptions import TemplateCatalogError, TemplateRenderError
from serving.templates.model import LocalizedText, Template, pick_locale
from serving.templates.render import Rendered, TemplateRenderer, view_context

__all__ = [
    "DEFAULT_CATALOG",
    "LocalizedText",
    "Rendered",
    "Template",
    "TemplateCatalog",
    "TemplateCatalogError",
    "TemplateRenderError",
    "TemplateRenderer",
    "load_catalog",
    "pick_locale",
    "view_context",
]
