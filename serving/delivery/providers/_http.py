"""One JSON POST over httpx, its errors sorted into transient and permanent."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from serving.delivery.exceptions import PermanentDeliveryError, TransientDeliveryError

__all__ = ["post_json"]

_RETRYABLE = frozenset({408, 425, 429})


def post_json(
    client: httpx.Client, url: str, *, content: bytes, headers: Mapping[str, str]
) -> httpx.Response:
    """POST ``content`` as JSON; return the 2xx response or raise a delivery error.

    408, 425, 429 and 5xx are transient (retried), every other non-2xx is permanent;
    so are network errors and timeouts transient.
    """
    try:
        response = client.post(
            url, content=content, headers={"Content-Type": "application/json", **headers}
        )
    except httpx.InvalidURL as exc:
        raise PermanentDeliveryError(f"{url!r}: {exc}", reason="invalid_address") from exc
    except httpx.TransportError as exc:
        raise TransientDeliveryError(f"POST {url}: {exc!r}", reason="network") from exc
    if response.is_success:
        return response
    detail = f"POST {url}: HTTP {response.status_code} {response.text[:200]!r}"
    if response.status_code in _RETRYABLE or response.status_code >= 500:
        raise TransientDeliveryError(detail, reason=f"http_{response.status_code}")
    raise PermanentDeliveryError(detail, reason=f"http_{response.status_code}")
