"""Provider adapters, one per channel, behind :class:`DeliveryProvider` (setup/send/close)."""

from serving.delivery.providers.base import DeliveryProvider, InMemoryProvider
from serving.delivery.providers.email import EmailProvider, build_email, message_id
from serving.delivery.providers.in_app import InAppProvider, InboxLookup, InMemoryInbox
from serving.delivery.providers.inbox_cassandra import CassandraInbox
from serving.delivery.providers.push import PushProvider, push_payload
from serving.delivery.providers.webhook import WebhookProvider

__all__ = [
    "CassandraInbox",
    "DeliveryProvider",
    "EmailProvider",
    "InAppProvider",
    "InMemoryInbox",
    "InMemoryProvider",
    "InboxLookup",
    "PushProvider",
    "WebhookProvider",
    "build_email",
    "message_id",
    "push_payload",
]
