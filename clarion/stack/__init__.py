"""The local stack: Kafka (KRaft), Cassandra and Redis on loopback, from real packages.

``up`` starts or reuses the services and waits until each really answers; ``down`` stops the
processes ``up`` started; ``status`` reports them. The CLI (``clarion stack``) and the test
fixtures call these with a :class:`~clarion.settings.Settings`.
"""

from clarion.stack._lifecycle import ServiceReport
from clarion.stack._service import SERVICE_NAMES, ServiceName, ServicePaths
from clarion.stack._stack import down, status, up
from clarion.stack.exceptions import StackError

__all__ = [
    "SERVICE_NAMES",
    "ServiceName",
    "ServicePaths",
    "ServiceReport",
    "StackError",
    "down",
    "status",
    "up",
]
