"""Errors of the delivery workers, all deriving from :class:`clarion.exceptions.ClarionError`."""

from __future__ import annotations

from clarion.exceptions import ClarionError

__all__ = [
    "DeliveryError",
    "PermanentDeliveryError",
    "ProviderConfigError",
    "TransientDeliveryError",
]


class DeliveryError(ClarionError):
    """A provider did not accept a message. ``reason`` is a short code for metrics and DLQs."""

    reason: str = "delivery_failed"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class TransientDeliveryError(DeliveryError):
    """Worth retrying: a timeout, a refused connection, a 5xx or 429, an SMTP 4xx."""

    reason = "transient"


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help: a 4xx, a refused recipient, an address the channel cannot use."""

    reason = "permanent"


class ProviderConfigError(ClarionError):
    """A provider's settings are unusable; the message names the setting."""
