"""Trigger rules as checked, immutable values: event, window and absence rules.

* :class:`EventRule` fires on one event when its condition holds.
* :class:`WindowRule` fires when ``count`` events of its types fall within ``within``.
* :class:`AbsenceRule` starts a timer on a triggering event and fires ``within`` later
  unless an awaited event arrived first (a later trigger replaces the timer when
  ``supersede`` is on).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from clarion.expressions import CheckedExpression

__all__ = ["AbsenceRule", "EventRule", "Rule", "RuleKind", "RuleSet", "WindowRule"]

RuleKind = Literal["event", "window", "absence"]
RulePriority = Literal["triggered", "risk_alert"]


@dataclass(frozen=True, kw_only=True)
class _Rule:
    id: str
    on: tuple[str, ...]
    when: CheckedExpression | None
    priority: RulePriority
    channels: tuple[str, ...]
    ttl_seconds: int
    payload: tuple[tuple[str, CheckedExpression], ...] = ()
    description: str = ""

    def holds(self, context: Mapping[str, Any]) -> bool:
        return self.when is None or self.when.holds(context)

    def render_payload(self, context: Mapping[str, Any]) -> dict[str, Any]:
        return {name: expr.evaluate(context) for name, expr in self.payload}

    def names(self) -> frozenset[str]:
        exprs = [e for _, e in self.payload] + ([self.when] if self.when else [])
        return frozenset().union(*(e.names for e in exprs)) if exprs else frozenset()


@dataclass(frozen=True, kw_only=True)
class EventRule(_Rule):
    cooldown_ms: int = 0
    kind: Literal["event"] = "event"


@dataclass(frozen=True, kw_only=True)
class WindowRule(_Rule):
    count: int
    within_ms: int
    cooldown_ms: int = 0
    kind: Literal["window"] = "window"

    @property
    def count_name(self) -> str:
        return f"window:{self.id}"


@dataclass(frozen=True, kw_only=True)
class AbsenceRule(_Rule):
    awaits: tuple[str, ...]
    within_ms: int
    supersede: bool = True
    include_cart: bool = False
    kind: Literal["absence"] = "absence"


Rule = EventRule | WindowRule | AbsenceRule


@dataclass(frozen=True)
class RuleSet:
    """The loaded rules, in file order, with lookups by triggering and awaited event type."""

    rules: tuple[Rule, ...]
    source: str = "<memory>"

    def __post_init__(self) -> None:
        ids = [r.id for r in self.rules]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate rule ids in {self.source}")
        triggered: dict[str, tuple[Rule, ...]] = {}
        awaiting: dict[str, tuple[AbsenceRule, ...]] = {}
        for t in {t for r in self.rules for t in (*r.on, *getattr(r, "awaits", ()))}:
            triggered[t] = tuple(r for r in self.rules if t in r.on)
            awaiting[t] = tuple(
                r
                for r in self.rules
                if isinstance(r, AbsenceRule) and (t in r.awaits or (r.supersede and t in r.on))
            )
        object.__setattr__(self, "_triggered", triggered)  # lookups on the hot path
        object.__setattr__(self, "_awaiting", awaiting)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def triggered_by(self, event_type: str) -> tuple[Rule, ...]:
        return self._triggered.get(event_type, ())  # type: ignore[attr-defined, no-any-return]

    def awaiting(self, event_type: str) -> tuple[AbsenceRule, ...]:
        """Absence rules whose timers this event type cancels (awaited, or superseding)."""
        return self._awaiting.get(event_type, ())  # type: ignore[attr-defined, no-any-return]
