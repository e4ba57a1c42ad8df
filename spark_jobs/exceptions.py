"""Errors of the batch layer."""

from clarion.exceptions import ClarionError

__all__ = [
    "FeatureCompileError",
    "IngestError",
    "NoPromotedModelError",
    "QualityCheckError",
    "SegmentDefinitionError",
    "SparkJobError",
    "TrainingError",
]


class SparkJobError(ClarionError):
    """A Spark job cannot start or run; the message says what to change."""


class FeatureCompileError(SparkJobError):
    """A feature declaration cannot be compiled into a Spark aggregate."""


class TrainingError(SparkJobError):
    """The training set cannot train a model (e.g. no users, or a single label)."""


class NoPromotedModelError(SparkJobError):
    """Scoring needs a promoted model and the registry has none; run training first."""


class SegmentDefinitionError(SparkJobError):
    """A segment file is invalid; the message names the file, the segment and the position."""


class IngestError(SparkJobError):
    """Events cannot be ingested from Kafka (broker unreachable, offsets out of range)."""


class QualityCheckError(SparkJobError):
    """A data-quality suite failed: nothing may be published. See quality.validation_results."""
