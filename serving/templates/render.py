"""Render one send: pick the template and locale, then Jinja2 in a sandbox, strictly.

The environment is a :class:`~jinja2.sandbox.SandboxedEnvironment` (templates
cannot reach Python internals) with :class:`~jinja2.StrictUndefined` (a missing
name is an error, not an empty string). Which template:

* an inline ``payload.template`` (campaigns): ``{channel: {locale: {subject, body}}}``;
* else the catalog entry named by ``payload.template_id``, else by ``source_id``.

Context: ``user`` (id, locale, timezone), ``payload``, ``intent`` (source,
source_id, priority, created_at), and ``view`` (``batch``, ``realtime``,
``score``, ``segments``) from the merged view. Compiled templates are cached by
their source text, so a 1M fan-out of one campaign compiles each text once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from pydantic import ValidationError

from clarion.events import Channel
from serving.dispatch.intent import Intent, Recipient
from serving.templates.catalog import TemplateCatalog
from serving.templates.exceptions import TemplateRenderError
from serving.templates.model import Template, pick_locale
from serving.view.merged import MergedView

__all__ = ["Rendered", "TemplateRenderer", "view_context"]

_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class Rendered:
    template_id: str
    locale: str
    subject: str | None
    body: str


def view_context(view: MergedView | None) -> dict[str, Any]:
    if view is None:
        return {"batch": {}, "realtime": {}, "score": None, "segments": []}
    return {
        "batch": dict(view.batch),
        "realtime": dict(view.realtime),
        "score": view.score,
        "segments": list(view.segments),
    }


def _context(intent: Intent, *, recipient: Recipient, view: MergedView | None) -> dict[str, Any]:
    """What a template may read. ``user`` carries the batch features too, and campaign
    intents add ``campaign`` (``id``, ``name``) and ``variant``: the names a campaign
    file's templates are checked against (``marketing.campaigns.templates``)."""
    shown = view_context(view)
    payload = intent.payload
    context: dict[str, Any] = {
        "user": {
            **shown["batch"],
            "id": recipient.user_id,
            "user_id": recipient.user_id,
            "locale": recipient.locale,
            "timezone": recipient.timezone,
        },
        "payload": payload,
        "intent": {
            "source": intent.source,
            "source_id": intent.source_id,
            "priority": intent.priority,
            "created_at": intent.created_at,
        },
        "view": shown,
    }
    if intent.source == "campaign":
        campaign_id = payload.get("campaign_id", intent.source_id)
        context["campaign"] = {"id": campaign_id, "name": payload.get("campaign_name", campaign_id)}
        context["variant"] = payload.get("variant")
    return context


class TemplateRenderer:
    def __init__(self, catalog: TemplateCatalog) -> None:
        self._catalog = catalog
        self._env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
        self._compiled: dict[str, Any] = {}

    def render(
        self,
        intent: Intent,
        *,
        channel: Channel,
        recipient: Recipient,
        view: MergedView | None,
    ) -> Rendered:
        """Raises :class:`TemplateRenderError` (never anything else) when it cannot render."""
        template = self._template(intent)
        texts = template.channels.get(channel)
        if not texts:
            raise TemplateRenderError(f"template {template.id!r} has no text for {channel}")
        locale = pick_locale(list(texts), recipient.locale, template.default_locale)
        assert locale is not None  # texts is not empty
        text = texts[locale]
        context = _context(intent, recipient=recipient, view=view)
        try:
            subject = self._run(text.subject, context) if text.subject is not None else None
            body = self._run(text.body, context)
        except Exception as exc:  # a template may raise anything (TemplateError, ValueError...)
            raise TemplateRenderError(
                f"template {template.id!r} ({channel}, {locale}): {type(exc).__name__}: {exc}"
            ) from exc
        if not body.strip():
            raise TemplateRenderError(f"template {template.id!r} ({channel}, {locale}): empty body")
        return Rendered(template.id, locale, subject, body)

    def _template(self, intent: Intent) -> Template:
        inline = intent.payload.get("template")
        if isinstance(inline, dict):
            try:
                return Template.model_validate(
                    {
                        "id": "inline",
                        "default_locale": intent.payload.get("default_locale") or "en",
                        "channels": inline,
                    }
                )
            except ValidationError as exc:
                raise TemplateRenderError(f"payload.template is invalid: {exc}") from None
        wanted = intent.payload.get("template_id") or intent.source_id
        found = self._catalog.get(str(wanted))
        if found is None:
            raise TemplateRenderError(f"no template {wanted!r} in the catalog")
        return found

    def _run(self, source: str, context: dict[str, Any]) -> str:
        compiled = self._compiled.get(source)
        if compiled is None:
            if len(self._compiled) >= _CACHE_SIZE:
                self._compiled.clear()
            compiled = self._compiled[source] = self._env.from_string(source)
        return str(compiled.render(context)).strip()
