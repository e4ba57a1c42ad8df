"""Test tiers.

A plain ``pytest`` runs the unit tier: no services. Tests that need a real
service carry its marker (``kafka``, ``cassandra``, ``redis``, ``spark``,
``airflow``); every such test is also marked ``integration`` here, and the
default ``-m 'not integration'`` leaves them out. ``bin/test`` starts the local
stack and runs every tier with ``-m ''``. A service fixture that cannot reach
its service fails the test: integration tests are never skipped for that.
"""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.fixtures.stack",
    "tests.fixtures.spark",
    "tests.fixtures.airflow",
    "tests.fixtures.batch",
    "tests.fixtures.redis_cluster",
]

SERVICE_MARKERS = ("kafka", "cassandra", "redis", "spark", "airflow")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if any(item.get_closest_marker(m) for m in SERVICE_MARKERS):
            item.add_marker(pytest.mark.integration)
