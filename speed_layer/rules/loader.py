"""Load and validate a trigger rule file, in one place. Every error names the file, the
rule and the field, and says what was expected.

File format::

    version: 1
    rules:
      - id: cart_abandoned          # snake_case, unique
        kind: absence               # event | window | absence
        on: [add_to_cart]           # the triggering event types
        awaits: [purchase]          # absence: the event that cancels the timer
        within: 30m                 # absence, window: the time span
        when: "event.properties.price >= 1"      # optional condition
        priority: triggered         # triggered | risk_alert
        channels: [push, email]     # preferred order
        ttl: 1h                     # how long the intent stays worth sending
        payload: {product_id: event.properties.product_id}
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from clarion.events import Channel, EventType
from clarion.expressions import CheckedExpression, ExpressionError, compile_expression
from feature_store import USER_FEATURES, FeatureRegistry
from speed_layer.durations import Duration, to_ms
from speed_layer.exceptions import RuleFileError
from speed_layer.rules.model import AbsenceRule, EventRule, Rule, RuleSet, WindowRule
from speed_layer.rules.names import RuleNames

__all__ = ["load_rules", "parse_rules"]

_ID = r"^[a-z][a-z0-9_]{0,62}$"


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. (YAML 1.1 would read the key ``on:`` as True.)"""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _RuleDoc(_Doc):
    id: str = Field(pattern=_ID)
    description: str = ""
    on: list[EventType] = Field(min_length=1)
    when: str | None = None
    priority: Literal["triggered", "risk_alert"]
    channels: list[Channel] = Field(min_length=1)
    ttl: Duration = timedelta(hours=1)
    payload: dict[Annotated[str, Field(pattern=_ID)], str] = {}


class _EventDoc(_RuleDoc):
    kind: Literal["event"]
    cooldown: Duration = timedelta(0)


class _WindowDoc(_RuleDoc):
    kind: Literal["window"]
    count: int = Field(ge=2, le=10_000)
    within: Duration
    cooldown: Duration | None = None  # default: the window


class _AbsenceDoc(_RuleDoc):
    kind: Literal["absence"]
    awaits: list[EventType] = Field(min_length=1)
    within: Duration
    supersede: bool = True
    include_cart: bool = False


_RULE = TypeAdapter(Annotated[_EventDoc | _WindowDoc | _AbsenceDoc, Field(discriminator="kind")])


class _FileDoc(_Doc):
    version: Literal[1]
    rules: list[Any]


def _where(loc: tuple[Any, ...]) -> str:
    parts = [
        str(p) for p in loc if not (isinstance(p, str) and p in ("event", "window", "absence"))
    ]
    return ".".join(parts) or "(rule)"


def load_rules(path: Path | str, *, features: FeatureRegistry = USER_FEATURES) -> RuleSet:
    """Read and check the rule file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError(f"{path}: cannot read the rule file: {exc.strerror}") from None
    return parse_rules(text, source=str(path), features=features)


def parse_rules(
    text: str, *, source: str = "<string>", features: FeatureRegistry = USER_FEATURES
) -> RuleSet:
    """Check rule-file ``text``; ``source`` names it in errors."""
    try:
        raw = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise RuleFileError(f"{source}:{line} not valid YAML: {exc}") from None
    try:
        doc = _FileDoc.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise RuleFileError(
            f"{source}: field {_where(err['loc'])!r}: {err['msg']} "
            "(a rule file is {version: 1, rules: [...]})"
        ) from None
    rules: list[Rule] = []
    for index, item in enumerate(doc.rules):
        rule_id = item.get("id") if isinstance(item, dict) else None
        label = f"rule {rule_id!r}" if isinstance(rule_id, str) else f"rule #{index + 1}"
        if not isinstance(item, dict):
            raise RuleFileError(
                f"{source}: {label}: a rule is a mapping (id, kind, on, ...), got {item!r:.80}"
            )
        try:
            checked = _RULE.validate_python(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
                raise RuleFileError(
                    f"{source}: {label}: field 'kind': must be event, window or "
                    f"absence (got {item.get('kind')!r:.40})"
                ) from None
            raise RuleFileError(
                f"{source}: {label}: field {_where(err['loc'])!r}: "
                f"{err['msg']} (got {err.get('input')!r:.80})"
            ) from None
        if any(r.id == checked.id for r in rules):
            raise RuleFileError(f"{source}: {label}: field 'id': declared twice")
        rules.append(_compile(checked, features, f"{source}: {label}"))
    return RuleSet(tuple(rules), source=source)


def _expression(
    text: str, names: RuleNames, where: str, field: str, *, boolean: bool
) -> CheckedExpression:
    try:
        expr = compile_expression(text, names=names, expect=None)
    except ExpressionError as exc:
        raise RuleFileError(f"{where}: field {field!r}: {exc}") from None
    if boolean and expr.type not in ("boolean", "any"):
        raise RuleFileError(
            f"{where}: field {field!r}: a condition must be true or false, "
            f"this is a {expr.type}: {text!r}"
        )
    return expr


def _compile(
    doc: _EventDoc | _WindowDoc | _AbsenceDoc, features: FeatureRegistry, where: str
) -> Rule:
    names = RuleNames(
        tuple(doc.on), features, realtime=doc.kind != "absence", window=doc.kind == "window"
    )
    if len(set(doc.channels)) != len(doc.channels):
        raise RuleFileError(f"{where}: field 'channels': each channel may appear once")
    common: dict[str, Any] = {
        "id": doc.id,
        "on": tuple(dict.fromkeys(doc.on)),
        "when": _expression(doc.when, names, where, "when", boolean=True) if doc.when else None,
        "priority": doc.priority,
        "channels": tuple(doc.channels),
        "ttl_seconds": max(1, round(doc.ttl.total_seconds())),
        "payload": tuple(
            (k, _expression(v, names, where, f"payload.{k}", boolean=False))
            for k, v in doc.payload.items()
        ),
        "description": doc.description,
    }
    if isinstance(doc, _EventDoc):
        return EventRule(**common, cooldown_ms=to_ms(doc.cooldown))
    if isinstance(doc, _WindowDoc):
        if to_ms(doc.within) <= 0:
            raise RuleFileError(f"{where}: field 'within': must be positive")
        cooldown = doc.within if doc.cooldown is None else doc.cooldown
        return WindowRule(
            **common, count=doc.count, within_ms=to_ms(doc.within), cooldown_ms=to_ms(cooldown)
        )
    if set(doc.awaits) & set(doc.on):
        raise RuleFileError(
            f"{where}: field 'awaits': an event type cannot both start and cancel the timer"
        )
    if to_ms(doc.within) <= 0:
        raise RuleFileError(f"{where}: field 'within': must be positive")
    return AbsenceRule(
        **common,
        awaits=tuple(doc.awaits),
        within_ms=to_ms(doc.within),
        supersede=doc.supersede,
        include_cart=doc.include_cart,
    )
