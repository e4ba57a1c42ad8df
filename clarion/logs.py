"""Structured logs of Clarion's long-running processes: one JSON object per line on stderr
(``console``: key=value lines for a terminal).

The process's own structlog events and the standard-library logs of kafka-python,
redis-py and the Cassandra driver go through one handler, so every line has the same
shape. The speed layer, the dispatcher, the delivery workers and the API all start here.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any, Literal

import structlog

__all__ = ["CHATTY_LOGGERS", "configure_logging"]

# Their INFO is per-connection chatter; they log at WARNING or above.
CHATTY_LOGGERS = ("kafka", "redis", "cassandra")


def configure_logging(
    *,
    level: str = "info",
    style: Literal["json", "console"] = "json",
    filters: Sequence[logging.Filter] = (),
) -> None:
    """Send every log line of this process through one structlog formatter on stderr.

    Args:
        level: ``debug``, ``info``, ``warning``, ... (an unknown name means ``info``).
        style: ``json`` (one object per line) or ``console`` (key=value, no colours).
        filters: added to the handler, e.g. to drop a server's repeated warnings.
    """
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=False)
        if style == "console"
        else structlog.processors.JSONRenderer()
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    for log_filter in filters:
        handler.addFilter(log_filter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(numeric)
    for chatty in CHATTY_LOGGERS:
        logging.getLogger(chatty).setLevel(max(numeric, logging.WARNING))
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        cache_logger_on_first_use=True,
    )
