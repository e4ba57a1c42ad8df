"""Topic creation against the real broker."""

from __future__ import annotations

import pytest
from kafka import KafkaAdminClient

from clarion.kafka_options import client_options
from clarion.kafka_topics import ensure_topics
from clarion.settings import Settings
from tests.fixtures.stack import unique_name

pytestmark = pytest.mark.kafka


def test_creates_the_missing_topics_once(kafka_bootstrap: str, stack_settings: Settings) -> None:
    kafka = stack_settings.kafka
    one, two = unique_name("topics_one"), unique_name("topics_two")
    assert ensure_topics(kafka, {one: 2}) == [one]
    assert ensure_topics(kafka, {one: 2, two: 3}, client_id="clarion-test-admin") == [two]
    assert ensure_topics(kafka, {one: 2, two: 3}) == []
    admin = KafkaAdminClient(**client_options(kafka), client_id="clarion-test-admin")
    try:
        described = {t["name"]: len(t["partitions"]) for t in admin.describe_topics([one, two])}
    finally:
        admin.close()
    assert described == {one: 2, two: 3}
