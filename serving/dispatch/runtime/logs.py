"""Structured logs of the serving processes (dispatcher, delivery workers, API).

:func:`clarion.logs.configure_logging` with one filter more: Cassandra's warnings
about the dispatcher's inbox/log batches.
"""

from __future__ import annotations

import logging
from typing import Literal

from clarion import logs

__all__ = ["BatchWarningFilter", "configure_logging"]


class BatchWarningFilter(logging.Filter):
    """Drops Cassandra's per-request warnings about the inbox/log batches.

    The dispatcher writes multi-partition UNLOGGED batches on purpose (see
    :mod:`serving.inbox.tables`); the server warns about each one, which would be
    thousands of identical lines a second. Raise ``batch_size_warn_threshold`` on
    the cluster instead of reading them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return not ("Server warning: Batch for" in text or "Unlogged batch covering" in text)


def configure_logging(*, level: str = "info", style: Literal["json", "console"] = "json") -> None:
    logs.configure_logging(level=level, style=style, filters=[BatchWarningFilter()])
