"""Priority classes and what each one is allowed to skip.

The classes are ordered ``transactional > risk_alert > triggered > marketing``.
What each class bypasses is fixed here, in code, not in configuration, so no
campaign file can buy its way past a policy:

=============  ==========================  ============  =========================
class          frequency caps              quiet hours   overload shedding
=============  ==========================  ============  =========================
transactional  exempt, not counted         exempt        never shed
risk_alert     counted, never blocked      exempt        only if a threshold is set
triggered      counted and enforced        deferred      shed second
marketing      counted and enforced        deferred      shed first
=============  ==========================  ============  =========================

Consent and the global opt-out apply to every class, transactional included.

Transactional messages (receipts, password resets) are requested by the user,
so they neither consume nor respect the promotional budget. Risk alerts (an
unusual card transaction) must always go out, but they are noisy from the
user's point of view, so they count: a user who just got two fraud alerts gets
fewer marketing messages that day.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = [
    "PRIORITIES",
    "CapMode",
    "Priority",
    "cap_mode",
    "priority_rank",
    "quiet_hours_apply",
]

Priority = Literal["transactional", "risk_alert", "triggered", "marketing"]
# Highest first.
PRIORITIES: Final[tuple[Priority, ...]] = get_args(Priority)

CapMode = Literal["exempt", "count", "enforce"]

_CAP_MODE: Final[dict[Priority, CapMode]] = {
    "transactional": "exempt",
    "risk_alert": "count",
    "triggered": "enforce",
    "marketing": "enforce",
}


def priority_rank(priority: Priority) -> int:
    """0 for the highest class (transactional), 3 for the lowest (marketing).

    >>> sorted(["marketing", "transactional", "triggered"], key=priority_rank)
    ['transactional', 'triggered', 'marketing']
    """
    return PRIORITIES.index(priority)


def cap_mode(priority: Priority) -> CapMode:
    """How frequency caps treat a class: ``exempt``, ``count`` (never blocked) or ``enforce``."""
    return _CAP_MODE[priority]


def quiet_hours_apply(priority: Priority) -> bool:
    """Quiet hours defer triggered and marketing sends only."""
    return priority in ("triggered", "marketing")
