"""The Prometheus side of one long-running process: its own registry, served on ``/metrics``.

Each consumer's metrics class derives from :class:`MetricsEndpoint` and declares its
counters, gauges and histograms on ``self.registry``. Every process has its own registry,
so tests can run several consumers in one interpreter.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, start_http_server

__all__ = ["MetricsEndpoint"]


class MetricsEndpoint:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self._server: Any = None

    def serve(self, port: int) -> int:
        """Start the HTTP endpoint (``port`` 0 picks a free one); return the bound port."""
        server, _thread = start_http_server(port, addr="0.0.0.0", registry=self.registry)
        self._server = server
        return int(server.server_port)

    def close(self) -> None:
        """Stop the HTTP endpoint, if it was started, and free its port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
