"""Templates: the catalog covers every trigger rule, locales fall back, rendering is strict
and sandboxed, and every failure is a TemplateRenderError (never anything else)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from serving.templates import (
    TemplateCatalogError,
    TemplateRenderer,
    TemplateRenderError,
    load_catalog,
    pick_locale,
)
from tests.serving.dispatch.builders import intent, recipient

RULES = Path(__file__).resolve().parents[3] / "rules" / "triggers.yaml"


def test_every_trigger_rule_has_a_template_for_each_of_its_channels() -> None:
    catalog = load_catalog()
    for rule in yaml.safe_load(RULES.read_text())["rules"]:
        template = catalog.get(rule["id"])
        assert template is not None, rule["id"]
        assert set(rule["channels"]) <= set(template.channels), rule["id"]


def test_every_catalog_template_renders_with_its_rules_payload() -> None:
    renderer = TemplateRenderer(load_catalog())
    payloads = {
        "risk_unusual_transaction": {"amount": 950.0, "merchant": "ACME", "baseline_mean_30d": 80},
        "transaction_burst": {"transactions_5m": 6, "transactions_1h": 9},
        "repeated_login_failures": {"failures": 4},
        "cart_abandoned": {"product_id": "p1", "category": "shoes", "price": 19.5},
        "order_confirmation": {"order_id": "o-1", "total": "12.00"},
    }
    catalog = load_catalog()
    assert sorted(payloads) == catalog.ids()
    for template_id, payload in payloads.items():
        template = catalog.get(template_id)
        assert template is not None
        for channel in template.channels:
            i = intent(priority="triggered", source_id=template_id, payload=payload)
            out = renderer.render(i, channel=channel, recipient=recipient(), view=None)
            assert out.body and "{{" not in out.body


def test_locale_falls_back_to_the_language_then_the_default() -> None:
    assert pick_locale(["en", "es"], "es-MX", "en") == "es"
    assert pick_locale(["en-US", "fr-FR"], "fr", "en-US") == "fr-FR"
    assert pick_locale(["de", "en-GB"], "ja-JP", "en-US") == "en-GB"
    assert pick_locale(["de"], "ja", "fr") == "de"
    assert pick_locale([], "en", "en") is None


def test_inline_campaign_template_per_locale() -> None:
    renderer = TemplateRenderer(load_catalog())
    template = {
        "email": {
            "en-US": {"subject": "Sale", "body": "Hi {{ user.id }}"},
            "es-ES": {"subject": "Rebajas", "body": "Hola {{ user.id }}"},
        }
    }
    i = intent(payload={"template": template, "default_locale": "en-US"})
    spanish = renderer.render(i, channel="email", recipient=recipient(locale="es-MX"), view=None)
    assert (spanish.subject, spanish.body, spanish.locale) == ("Rebajas", "Hola u1", "es-ES")
    other = renderer.render(i, channel="email", recipient=recipient(locale="ja-JP"), view=None)
    assert other.locale == "en-US"


def test_campaign_files_templates_render_with_the_names_they_are_checked_against() -> None:
    """A campaign file's templates may read campaign, variant and user (TEMPLATE_NAMES of
    marketing.campaigns): the dispatcher must give them exactly those."""
    from marketing.campaigns.templates import TEMPLATE_NAMES

    renderer = TemplateRenderer(load_catalog())
    body = "{{ campaign.name }} / {{ campaign.id }} / {{ variant }} / {{ user.user_id }}"
    payload = {
        "campaign_id": "flash",
        "campaign_name": "Flash sale",
        "variant": "b",
        "template": {"email": {"en-US": {"subject": "s", "body": body}}},
    }
    i = intent(source="campaign", source_id="flash", priority="marketing", payload=payload)
    done = renderer.render(i, channel="email", recipient=recipient(), view=None)
    assert done.body == "Flash sale / flash / b / u1"
    assert {"campaign", "variant", "user"} == set(TEMPLATE_NAMES)


@pytest.mark.parametrize(
    ("payload", "channel", "match"),
    [
        ({"template": {"push": {"en": {"body": "{{ payload.missing }}"}}}}, "push", "Undefined"),
        ({"template": {"push": {"en": {"body": "{{ ''.__class__ }}"}}}}, "push", "unsafe"),
        ({"template": {"push": {"en": {"body": "{% if %}"}}}}, "push", "Syntax"),
        ({"template": {"push": {"en": {"body": "{{ 1 / 0 }}"}}}}, "push", "ZeroDivision"),
        ({"template": {"push": {"en": {"body": "hi"}}}}, "email", "no text for email"),
        ({"template": {"push": "not a mapping"}}, "push", "payload.template"),
        ({"template_id": "nope"}, "push", "no template 'nope'"),
    ],
)
def test_render_failures_are_template_render_errors(
    payload: dict[str, object], channel: str, match: str
) -> None:
    renderer = TemplateRenderer(load_catalog())
    with pytest.raises(TemplateRenderError, match=match):
        renderer.render(intent(payload=payload), channel=channel, recipient=recipient(), view=None)


def test_a_bad_catalog_file_names_the_file_and_field(tmp_path: Path) -> None:
    (tmp_path / "welcome.yaml").write_text("id: welcome\nchannels: {push: {en: {subject: x}}}\n")
    with pytest.raises(TemplateCatalogError, match=r"(?s)welcome.yaml.*channels.push.en.body"):
        load_catalog(tmp_path)
    (tmp_path / "welcome.yaml").write_text("id: other\nchannels: {push: {en: {body: x}}}\n")
    with pytest.raises(TemplateCatalogError, match="must match the file name"):
        load_catalog(tmp_path)
