"""The HTTP API (FastAPI): ``create_app(settings, services=...)``; ``connect_services`` builds
the real Redis, Cassandra and Kafka adapters. See README.md."""

from serving.api.app import create_app
from serving.api.exceptions import ApiError, IntentPublishError
from serving.api.ports import (
    ApiServices,
    DecisionReader,
    InboxReader,
    InMemoryIntentPublisher,
    IntentPublisher,
    KafkaIntentPublisher,
    StatusReader,
    ViewReader,
)

__all__ = [
    "ApiError",
    "ApiServices",
    "DecisionReader",
    "InMemoryIntentPublisher",
    "InboxReader",
    "IntentPublishError",
    "IntentPublisher",
    "KafkaIntentPublisher",
    "StatusReader",
    "ViewReader",
    "create_app",
]
