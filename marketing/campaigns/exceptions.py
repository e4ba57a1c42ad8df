"""Errors of campaign files and campaign runs."""

from clarion.exceptions import ConfigurationError
from marketing.exceptions import MarketingError

__all__ = ["CampaignDefinitionError", "CampaignRunError"]


class CampaignDefinitionError(MarketingError, ConfigurationError):
    """A campaign file is invalid; the message names the file, the field path and the problem."""


class CampaignRunError(MarketingError):
    """A campaign run cannot go on (no batch data for its day, an empty audience table...)."""
