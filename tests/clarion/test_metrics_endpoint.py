"""A consumer's metrics, served on /metrics from its own registry."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client import Counter

from clarion.metrics_endpoint import MetricsEndpoint


class _Metrics(MetricsEndpoint):
    def __init__(self) -> None:
        super().__init__()
        self.handled = Counter("clarion_test_handled", "Records handled.", registry=self.registry)


def test_serves_its_own_registry_until_closed() -> None:
    one, other = _Metrics(), _Metrics()  # two in one process: no duplicate-name clash
    one.handled.inc(3)
    port = one.serve(0)
    try:
        body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert "clarion_test_handled_total 3.0" in body
    finally:
        one.close()
    one.close()  # a second close is harmless
    other.close()  # and so is closing one never served
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
