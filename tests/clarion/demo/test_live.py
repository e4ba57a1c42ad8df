"""The demo's planted trigger patterns, and its local providers as real servers."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta

import httpx

from clarion.demo.live import planted_events
from clarion.demo.providers import LocalProviders
from clarion.events import REQUIRED_PROPERTIES

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_each_pattern_matches_its_rule_and_the_contract() -> None:
    events = planted_events(
        now=NOW, transaction_means={"u1": 20.0}, cart_users=["u2"], login_users=["u3"]
    )
    assert [e.ts for e in events] == sorted(e.ts for e in events)
    by_user = {u: [e for e in events if e.user_id == u] for u in ("u1", "u2", "u3")}
    [spend] = by_user["u1"]
    assert spend.type == "transaction" and spend.properties["amount"] == 200.0  # > 5x the mean
    [cart] = by_user["u2"]
    assert cart.type == "add_to_cart" and NOW - cart.ts > timedelta(minutes=30)  # timer due
    logins = by_user["u3"]
    assert [e.type for e in logins] == ["login_failure"] * 3
    assert max(e.ts for e in logins) - min(e.ts for e in logins) < timedelta(minutes=10)
    for event in events:
        assert set(REQUIRED_PROPERTIES[event.type]) <= set(event.properties)
    assert len({e.event_id for e in events}) == len(events)


def test_local_providers_accept_and_count() -> None:
    providers = LocalProviders()
    providers.start()
    try:
        env = providers.environ()
        with smtplib.SMTP("127.0.0.1", providers.smtp_port, timeout=10) as smtp:
            smtp.sendmail("a@clarion.local", ["b@example.org"], "Subject: hi\r\n\r\nbody")
        reply = httpx.post(env["CLARION_DELIVERY__PUSH_ENDPOINT"], json={"to": "t"}, timeout=10)
        assert reply.status_code == 200
        assert providers.received == {"email": 1, "push": 1}
    finally:
        providers.stop()
