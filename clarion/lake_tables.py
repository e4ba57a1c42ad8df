"""Names of the lake's tables that more than one part of Clarion lists."""

from __future__ import annotations

from typing import Final

__all__ = ["DAILY_TABLES"]

# Every table a daily batch run writes (each rewritten per ``as_of`` or exactly once).
DAILY_TABLES: Final = (
    "bronze.events",
    "silver.events",
    "silver.quarantine",
    "silver.users",
    "gold.user_features",
    "gold.user_scores",
    "gold.user_segments",
    "ml.model_registry",
    "quality.validation_results",
)
