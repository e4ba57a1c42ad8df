"""The ``Feature`` declaration and the registry that checks a set of them is consistent."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from feature_store.computations import (
    BATCH_COMPUTATIONS,
    STREAMING_COMPUTATIONS,
    Computation,
    Ratio,
)
from feature_store.exceptions import FeatureDefinitionError

__all__ = ["DType", "Feature", "FeatureRegistry", "Source"]

DType = Literal["int64", "double", "boolean", "timestamp", "map<string,double>"]
Source = Literal["batch", "streaming"]

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass(frozen=True, slots=True)
class Feature:
    """One feature of a user, declared once and read by every layer.

    Attributes:
        name: snake_case, unique; the column in ``gold.user_features`` and the field
            in the Redis views.
        dtype: the value's type in every store.
        description: what it means, for the analyst reading the table.
        owner: the team answering for it.
        freshness: how old a value may be before serving treats it as stale.
        source: ``batch`` (daily Spark job) or ``streaming`` (speed layer).
        computation: what to compute, as a spec (see ``feature_store.computations``).
    """

    name: str
    dtype: DType
    description: str
    owner: str
    freshness: timedelta
    source: Source
    computation: Computation

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise FeatureDefinitionError(
                f"feature name {self.name!r} must be snake_case: a lowercase letter, then "
                "lowercase letters, digits or underscores (at most 63)"
            )
        if not self.description.strip() or not self.owner.strip():
            raise FeatureDefinitionError(f"feature {self.name!r} needs a description and an owner")
        if self.freshness <= timedelta(0):
            raise FeatureDefinitionError(f"feature {self.name!r}: freshness must be positive")
        allowed = BATCH_COMPUTATIONS if self.source == "batch" else STREAMING_COMPUTATIONS
        if not isinstance(self.computation, allowed):
            raise FeatureDefinitionError(
                f"feature {self.name!r}: a {type(self.computation).__name__} computation "
                f"cannot have source {self.source!r}"
            )


class FeatureRegistry:
    """An ordered, validated set of features: unique names, ratios over known features."""

    def __init__(self, features: Iterable[Feature]) -> None:
        self._features: dict[str, Feature] = {}
        for feature in features:
            if feature.name in self._features:
                raise FeatureDefinitionError(f"feature {feature.name!r} is declared twice")
            self._features[feature.name] = feature
        for feature in self._features.values():
            if isinstance(feature.computation, Ratio):
                for part in (feature.computation.numerator, feature.computation.denominator):
                    other = self._features.get(part)
                    if other is None or other.source != feature.source:
                        raise FeatureDefinitionError(
                            f"feature {feature.name!r} divides by or into {part!r}, which is "
                            f"not a {feature.source} feature declared here"
                        )

    def __iter__(self) -> Iterator[Feature]:
        return iter(self._features.values())

    def __len__(self) -> int:
        return len(self._features)

    def __contains__(self, name: object) -> bool:
        return name in self._features

    def get(self, name: str) -> Feature:
        try:
            return self._features[name]
        except KeyError:
            raise FeatureDefinitionError(f"no feature named {name!r}") from None

    def by_source(self, source: Source) -> list[Feature]:
        return [f for f in self._features.values() if f.source == source]

    def names(self, source: Source | None = None) -> list[str]:
        return [f.name for f in self._features.values() if source in (None, f.source)]
