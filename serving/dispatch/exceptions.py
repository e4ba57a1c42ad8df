"""Errors of the dispatcher. All derive from :class:`clarion.exceptions.ClarionError`."""

from __future__ import annotations

from clarion.exceptions import ClarionError, ConfigurationError

__all__ = ["DispatchError", "IntentFormatError", "PolicyError", "StateStoreError"]


class DispatchError(ClarionError):
    """A decision could not be made from the inputs given (a caller bug, not a policy outcome)."""


class PolicyError(ConfigurationError):
    """A dispatch policy file or object is invalid; the message names the file and field."""


class StateStoreError(DispatchError):
    """A state store (cap ledger, idempotency store, token bucket) was misused or misconfigured."""


class IntentFormatError(DispatchError):
    """An intent on the wire could not be read; ``reason`` is a short code for the dead letter."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
