"""The serving layer: publish, merged view, dispatcher, delivery, HTTP API.

Heavy pieces live in subpackages (``serving.publish``, ``serving.view``,
``serving.dispatch``, ``serving.stores``); this module re-exports their entry points.
"""

from serving.publish import publish_batch_view, publish_day
from serving.view import MergedView, MergedViewReader

__all__ = ["MergedView", "MergedViewReader", "publish_batch_view", "publish_day"]
