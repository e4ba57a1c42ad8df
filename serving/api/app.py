"""The FastAPI application: ``create_app(settings, services=...)``.

Routes (OpenAPI at ``/openapi.json``, docs at ``/docs``):

* ``GET  /v1/users/{id}/inbox`` - the inbox with each item's delivery status
* ``GET|PUT /v1/users/{id}/preferences`` and ``/consent``
* ``GET  /v1/users/{id}/view`` - the merged batch + real-time view with freshness
* ``GET  /v1/users/{id}/decisions`` - the decision log ("why did / didn't I get this?")
* ``POST /v1/sends/transactional`` - an intent to ``notify.intents``
* ``GET  /v1/notifications/{id}`` - a notification's delivery status
* ``GET  /health`` (Redis, Cassandra, Kafka), ``GET /metrics`` (Prometheus)

Invalid requests get 422 with one ``{"field", "problem"}`` per mistake.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Counter, Histogram
from pydantic import ValidationError

from clarion.exceptions import ClarionError
from clarion.settings import Settings
from serving.api.exceptions import ApiError
from serving.api.models import FieldProblem, ProblemOut
from serving.api.ports import ApiServices
from serving.api.routes import ops, sends, users

__all__ = ["create_app"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings,
    *,
    services: ApiServices | None = None,
    clock: Callable[[], datetime] = _utc_now,
    registry: CollectorRegistry | None = None,
) -> FastAPI:
    """The API. Without ``services`` it connects to Redis, Cassandra and Kafka at startup
    (and closes them at shutdown); tests and embedders pass their own."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        if owned:
            from serving.api.connect import connect_services

            app.state.services = connect_services(settings)
        try:
            yield
        finally:
            if owned:
                app.state.services.close()

    app = FastAPI(
        title="Clarion",
        version="1",
        summary="Inbox, preferences and consent, transactional sends, views and decisions.",
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.clock = clock
    app.state.settings = settings
    app.state.registry = registry or CollectorRegistry()
    _instrument(app, app.state.registry)
    _handle_errors(app)
    for router in (users.router, sends.router, ops.router):
        app.include_router(router)
    return app


def _instrument(app: FastAPI, registry: CollectorRegistry) -> None:
    requests = Counter(
        "clarion_api_requests",
        "HTTP requests, by route template and status.",
        ["method", "route", "status"],
        registry=registry,
    )
    seconds = Histogram(
        "clarion_api_request_duration_seconds",
        "Time to answer, by route template.",
        ["method", "route"],
        registry=registry,
    )

    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        requests.labels(request.method, template, str(response.status_code)).inc()
        seconds.labels(request.method, template).observe(time.perf_counter() - started)
        return response


def _problems(errors: list[dict[str, object]]) -> list[FieldProblem]:
    out = []
    for err in errors:
        loc = err.get("loc") or ()
        field = ".".join(str(p) for p in loc) if isinstance(loc, tuple | list) else str(loc)
        out.append(FieldProblem(field=field or "(request)", problem=str(err.get("msg", ""))))
    return out


def _handle_errors(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = _problems(list(exc.errors()))
        detail = "invalid request: " + "; ".join(f"{p.field}: {p.problem}" for p in problems)
        body = ProblemOut(detail=detail, errors=problems)
        return JSONResponse(body.model_dump(), status_code=422)

    @app.exception_handler(ValidationError)
    async def invalid_value(_: Request, exc: ValidationError) -> JSONResponse:
        problems = _problems([dict(e) for e in exc.errors()])
        detail = "invalid value: " + "; ".join(f"{p.field}: {p.problem}" for p in problems)
        return JSONResponse(ProblemOut(detail=detail, errors=problems).model_dump(), 422)

    @app.exception_handler(ClarionError)
    async def clarion_error(_: Request, exc: ClarionError) -> JSONResponse:
        code = exc.status_code if isinstance(exc, ApiError) else 503
        return JSONResponse(ProblemOut(detail=str(exc)).model_dump(), status_code=code)
