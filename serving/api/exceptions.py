"""Errors of the HTTP API, all deriving from :class:`clarion.exceptions.ClarionError`."""

from __future__ import annotations

from clarion.exceptions import ClarionError

__all__ = ["ApiError", "IntentPublishError"]


class ApiError(ClarionError):
    """A request could not be served; ``status_code`` says how the API answers."""

    status_code: int = 500


class IntentPublishError(ApiError):
    """Kafka did not acknowledge a transactional intent in time."""

    status_code = 503
