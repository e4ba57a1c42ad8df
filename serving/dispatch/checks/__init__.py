"""The dispatcher's policies as pure functions: values in, verdicts out, no I/O."""

from serving.dispatch.checks.caps import (
    CapVerdict,
    count_in_windows,
    effective_caps,
    ledger_retention,
    under_every_cap,
)
from serving.dispatch.checks.consent import ChannelChoice, choose_channel
from serving.dispatch.checks.freshness import Freshness, check_freshness
from serving.dispatch.checks.quiet_hours import next_allowed, within_quiet_hours
from serving.dispatch.checks.shedding import LoadSignal, ShedVerdict, check_shedding
from serving.dispatch.checks.timing import Timing, earliest_delivery

__all__ = [
    "CapVerdict",
    "ChannelChoice",
    "Freshness",
    "LoadSignal",
    "ShedVerdict",
    "Timing",
    "check_freshness",
    "check_shedding",
    "choose_channel",
    "count_in_windows",
    "earliest_delivery",
    "effective_caps",
    "ledger_retention",
    "next_allowed",
    "under_every_cap",
    "within_quiet_hours",
]
