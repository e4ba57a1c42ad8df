"""Structured logs: one JSON object per line on stderr (``console``: key=value for a terminal).

The same shape as the speed layer's: the dispatcher's own events and the
standard-library logs of kafka-python, redis-py and the Cassandra driver go
through one structlog formatter.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Literal

import structlog

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
    numeric = logging.getLevelName(level.upper())
    numeric = numeric if isinstance(numeric, int) else logging.INFO
    chain: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    render: Any = (
        structlog.dev.ConsoleRenderer(colors=False)
        if style == "console"
        else structlog.processors.JSONRenderer()
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=chain,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            render,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    logging.getLogger().handlers = [handler]
    logging.getLogger().setLevel(numeric)
    for chatty in ("kafka", "redis", "cassandra"):
        logging.getLogger(chatty).setLevel(max(numeric, logging.WARNING))
    handler.addFilter(BatchWarningFilter())
    structlog.configure(
        processors=[*chain, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        cache_logger_on_first_use=True,
    )
