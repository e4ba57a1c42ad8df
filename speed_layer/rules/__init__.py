"""Trigger rules: the YAML loader, the names their conditions may read (in Clarion's one
expression language, :mod:`clarion.expressions`), the plan of what the real-time view
keeps for them, and the pure rule engine."""

from speed_layer.durations import Duration, parse_duration
from speed_layer.rules.engine import BatchFirings, Fired, RuleEngine
from speed_layer.rules.loader import load_rules, parse_rules
from speed_layer.rules.model import AbsenceRule, EventRule, Rule, RuleSet, WindowRule
from speed_layer.rules.names import RuleNames
from speed_layer.rules.plan import ViewPlan, build_plan

__all__ = [
    "AbsenceRule",
    "BatchFirings",
    "Duration",
    "EventRule",
    "Fired",
    "Rule",
    "RuleEngine",
    "RuleNames",
    "RuleSet",
    "ViewPlan",
    "WindowRule",
    "build_plan",
    "load_rules",
    "parse_duration",
    "parse_rules",
]
