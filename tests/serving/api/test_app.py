"""The API on in-memory services: routes, validation errors naming the field, wire format."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient

from clarion.settings import load_settings
from serving.api import ApiServices, InMemoryIntentPublisher, create_app
from serving.delivery import InMemoryStatusStore
from serving.dispatch.wire import parse_intent
from serving.outbound import notification_id
from tests.serving.api.builders import (
    NOW,
    ListDecisions,
    ListInbox,
    decision,
    in_memory_services,
    inbox_item,
    status_row,
)


@pytest.fixture
def services() -> ApiServices:
    return in_memory_services()


@pytest.fixture
def client(services: ApiServices) -> TestClient:
    return TestClient(create_app(load_settings(environ={}), services=services, clock=lambda: NOW))


def problems(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["field"]: e["problem"] for e in response.json()["errors"]}


def test_openapi_documents_every_route(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/v1/users/{user_id}/inbox",
        "/v1/users/{user_id}/preferences",
        "/v1/users/{user_id}/consent",
        "/v1/users/{user_id}/view",
        "/v1/users/{user_id}/decisions",
        "/v1/sends/transactional",
        "/v1/notifications/{notification_id}",
        "/health",
    } <= set(paths)
    assert set(paths["/v1/users/{user_id}/preferences"]) == {"get", "put"}


def test_preferences_default_then_partial_updates(client: TestClient) -> None:
    assert client.get("/v1/users/u1/preferences").json()["consent"] == {}
    r = client.put(
        "/v1/users/u1/preferences",
        json={
            "consent": {"email": True},
            "contacts": {"email": "a@b.c"},
            "timezone": "Europe/Paris",
        },
    )
    assert r.status_code == 200, r.text
    client.put("/v1/users/u1/preferences", json={"consent": {"push": False}})
    got = client.get("/v1/users/u1/preferences").json()
    assert got["consent"] == {"email": True, "push": False}
    assert (got["timezone"], got["contacts"]) == ("Europe/Paris", {"email": "a@b.c"})


def test_invalid_preferences_name_each_field(client: TestClient) -> None:
    r = client.put(
        "/v1/users/u1/preferences",
        json={"consent": {"fax": True}, "timezone": "Mars/Olympus", "nickname": "x"},
    )
    found = problems(r)
    assert {"body.consent.fax.[key]", "body.timezone", "body.nickname"} <= set(found)
    assert "Extra inputs are not permitted" in found["body.nickname"]
    assert "body.nickname" in r.json()["detail"]


def test_consent_is_a_view_of_preferences(client: TestClient) -> None:
    r = client.put("/v1/users/u1/consent", json={"consent": {"sms": True}, "opted_out": True})
    assert r.json() == {"user_id": "u1", "opted_out": True, "consent": {"sms": True}}
    assert client.get("/v1/users/u1/preferences").json()["opted_out"] is True
    assert "body.consent" in problems(client.put("/v1/users/u1/consent", json={"consent": 3}))


def test_user_ids_that_cannot_be_hash_tags_are_refused(client: TestClient) -> None:
    assert "path.user_id" in problems(client.get("/v1/users/u{1}/inbox"))


def test_transactional_send_writes_the_intent_wire_format(
    client: TestClient, services: ApiServices
) -> None:
    body = {
        "user_id": "u7",
        "channels": ["email", "push"],
        "template": "password_reset",
        "payload": {"link": "https://x/r/1"},
        "idempotency_key": "reset-42",
        "ttl_seconds": 900,
    }
    r = client.post("/v1/sends/transactional", json=body)
    assert r.status_code == 202, r.text
    again = client.post("/v1/sends/transactional", json=body)
    assert again.json() == r.json()  # a client retry is the same intent
    publisher = cast(InMemoryIntentPublisher, services.intents)
    (key, value), _ = publisher.sent
    doc = json.loads(value)
    assert key == b"u7"
    assert {
        "intent_id",
        "user_id",
        "source",
        "source_id",
        "priority",
        "channels",
        "payload",
        "idempotency_key",
        "created_at",
        "ttl_seconds",
    } <= set(doc)
    assert (doc["source"], doc["priority"], doc["ttl_seconds"]) == (
        "transactional",
        "transactional",
        900,
    )
    intent = parse_intent(value)  # what the dispatcher reads
    assert intent.channels == ("email", "push") and intent.created_at == NOW
    assert r.json()["notification_id"] == notification_id("u7", "reset-42")


def test_transactional_send_validation_names_fields(client: TestClient) -> None:
    r = client.post(
        "/v1/sends/transactional",
        json={"user_id": "u7", "channels": ["pigeon"], "template": "t", "idempotency_key": ""},
    )
    assert {"body.channels.0", "body.idempotency_key"} <= set(problems(r))


def test_inbox_carries_each_items_delivery_status(
    services: ApiServices, client: TestClient
) -> None:
    services.inbox = ListInbox([inbox_item("u1", n) for n in (3, 1, 2)] + [inbox_item("u2", 1)])
    cast(InMemoryStatusStore, services.statuses).put(status_row("n-u1-1", "u1"))
    items = client.get("/v1/users/u1/inbox", params={"limit": 2}).json()
    assert [i["notification_id"] for i in items] == ["n-u1-1", "n-u1-2"]
    assert items[0]["delivery"]["status"] == "delivered" and items[1]["delivery"] is None
    status = client.get("/v1/notifications/n-u1-1").json()
    assert (status["status"], status["attempts"], status["provider"]) == ("delivered", 2, "smtp")
    assert client.get("/v1/notifications/nope").status_code == 404


def test_decisions_answer_why_and_why_not(services: ApiServices, client: TestClient) -> None:
    services.decisions = ListDecisions([decision("u1", 1), decision("u1", 2, "frequency_capped")])
    got = client.get("/v1/users/u1/decisions").json()
    assert [(d["decision"]["reason"], d["decision"]["outcome"]) for d in got] == [
        ("sent", "send"),
        ("frequency_capped", "suppress"),
    ]
    assert got[1]["decision"]["inputs"]["cap"] == {"day": [2, 3]}


def test_view_of_an_unknown_user_is_empty_and_stale(client: TestClient) -> None:
    view = client.get("/v1/users/u1/view").json()
    assert view["batch_version"] is None and view["batch"] == {}
    assert "purchase_count_7d" in view["stale_features"]


def test_health_names_the_failing_dependency(services: ApiServices, client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok", "checks": {"memory": "ok"}}

    def down() -> None:
        raise ConnectionError("connection refused on 127.0.0.1:1")

    services.checks = {"memory": lambda: None, "redis": down}
    r = client.get("/health")
    assert r.status_code == 503
    assert r.json()["checks"]["redis"] == "ConnectionError: connection refused on 127.0.0.1:1"


def test_metrics_count_requests_by_route(client: TestClient) -> None:
    client.get("/v1/users/u1/preferences")
    text = client.get("/metrics").text
    assert (
        'clarion_api_requests_total{method="GET",route="/v1/users/{user_id}/preferences",'
        'status="200"} 1.0' in text
    )
