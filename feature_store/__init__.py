"""Feature declarations shared by the batch layer, the speed layer and serving.

>>> from feature_store import USER_FEATURES
>>> USER_FEATURES.get("purchase_count_7d").source
'batch'
"""

from feature_store import computations
from feature_store.definitions import USER_FEATURES
from feature_store.exceptions import FeatureDefinitionError
from feature_store.feature import DType, Feature, FeatureRegistry, Source

__all__ = [
    "USER_FEATURES",
    "DType",
    "Feature",
    "FeatureDefinitionError",
    "FeatureRegistry",
    "Source",
    "computations",
]
