"""Webhook delivery: POST the outbound message's JSON to the address URL.

Each request carries ``Idempotency-Key: <notification_id>``, the same on every
retry and after a worker restart, so a receiver can drop a repeat (docs/adr/0010).
"""

from __future__ import annotations

import httpx

from serving.delivery.exceptions import PermanentDeliveryError
from serving.delivery.providers._http import post_json
from serving.delivery.providers.base import DeliveryProvider
from serving.outbound import OutboundMessage

__all__ = ["WebhookProvider"]


class WebhookProvider(DeliveryProvider):
    name = "webhook"
    channel = "webhook"

    def __init__(self, *, timeout: float = 10.0, client: httpx.Client | None = None) -> None:
        self._timeout = timeout
        self._client = client

    def setup(self) -> None:
        if self._client is None:
            self._client = httpx.Client(timeout=self._timeout, follow_redirects=False)

    def send(self, message: OutboundMessage) -> str | None:
        if not message.address.startswith(("http://", "https://")):
            raise PermanentDeliveryError(
                f"address {message.address!r} is not an http(s) URL", reason="invalid_address"
            )
        if self._client is None:
            self.setup()
        assert self._client is not None
        response = post_json(
            self._client,
            message.address,
            content=message.to_json(),
            headers={
                "Idempotency-Key": message.notification_id,
                "User-Agent": "clarion-delivery/1",
            },
        )
        ref = response.headers.get("X-Request-Id")
        return str(ref) if ref else None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
