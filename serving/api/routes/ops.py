"""Health (Redis, Cassandra, Kafka) and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from serving.api.models import HealthOut
from serving.api.ports import ApiServices

__all__ = ["router"]

router = APIRouter(tags=["ops"])


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
def health(request: Request) -> JSONResponse:
    """200 when every dependency answers, 503 naming the ones that do not."""
    services: ApiServices = request.app.state.services
    checks: dict[str, str] = {}
    for name, check in services.checks.items():
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:  # any failure is the answer, not a crash
            checks[name] = f"{type(exc).__name__}: {exc}"[:300]
    healthy = all(v == "ok" for v in checks.values())
    body = HealthOut(status="ok" if healthy else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if healthy else 503)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.registry), media_type=CONTENT_TYPE_LATEST)
