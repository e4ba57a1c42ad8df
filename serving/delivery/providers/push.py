"""Push delivery through an FCM-like HTTP API: one JSON POST per message.

Body (as Firebase Cloud Messaging's HTTP v1 ``messages:send``)::

    {"message": {"token": "<address>", "notification": {"title": "…", "body": "…"},
                 "data": {"notification_id": "…", "<key>": "<value as text>"}}}

Authorization is ``Bearer <push_api_key>`` when one is set. The response's
``name`` is kept as the provider reference. ``Idempotency-Key`` is sent too: FCM
ignores it, a provider that honours it drops a repeat.
"""

from __future__ import annotations

import json

import httpx

from serving.delivery.providers._http import post_json
from serving.delivery.providers.base import DeliveryProvider
from serving.outbound import OutboundMessage

__all__ = ["PushProvider", "push_payload"]


def push_payload(message: OutboundMessage) -> dict[str, object]:
    """The FCM-style request body for ``message`` (data values become text, as FCM wants)."""
    data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in message.data.items()}
    data["notification_id"] = message.notification_id
    notification = {"body": message.body}
    if message.subject:
        notification["title"] = message.subject
    return {"message": {"token": message.address, "notification": notification, "data": data}}


class PushProvider(DeliveryProvider):
    name = "push"
    channel = "push"

    def __init__(
        self,
        *,
        endpoint: str,
        api_key: str | None = None,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self._endpoint = endpoint
        self._api_key = api_key
        self._timeout = timeout
        self._client = client

    def setup(self) -> None:
        if self._client is None:
            self._client = httpx.Client(timeout=self._timeout)

    def send(self, message: OutboundMessage) -> str | None:
        if self._client is None:
            self.setup()
        assert self._client is not None
        headers = {"Idempotency-Key": message.notification_id}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        response = post_json(
            self._client,
            self._endpoint,
            content=json.dumps(push_payload(message)).encode(),
            headers=headers,
        )
        try:
            name = response.json().get("name")
        except (ValueError, AttributeError):
            name = None
        return str(name) if name else None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
