"""A user's inbox and decision log in Cassandra (written by the dispatcher, read by the API).

``InboxStore(session, config=...).list(user_id, limit=50)`` and
``DecisionLog(session, config=...).list(user_id, limit=50)``, newest first;
:func:`create_tables` creates both idempotently.
"""

from serving.inbox.exceptions import InboxError
from serving.inbox.model import DecisionRecord, InboxItem
from serving.inbox.tables import DecisionLog, InboxConfig, InboxStore, create_tables

__all__ = [
    "DecisionLog",
    "DecisionRecord",
    "InboxConfig",
    "InboxError",
    "InboxItem",
    "InboxStore",
    "create_tables",
]
