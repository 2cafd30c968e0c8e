"""FastAPI plumbing: RFC 9457 problem details, correlation ids and one log line per request."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any

import psycopg
import structlog
import uvicorn
from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hourbank_common.logging import get_logger
from hourbank_common.runtime import settle_startup_objects

PROBLEM_JSON = "application/problem+json"
CORRELATION_HEADER = "X-Correlation-ID"
_log = get_logger("hourbank.http")


class ProblemError(Exception):
    """An error an endpoint reports as problem details (RFC 9457)."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        type_: str = "about:blank",
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.type_ = type_
        self.extra = extra or {}
        self.headers = headers or {}


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str,
    *,
    type_: str = "about:blank",
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": type_,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_name(loc: Sequence[int | str]) -> str:
    # Drop the "body"/"query"/"path" prefix so the field reads as the client wrote it.
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(parts)


async def _validation_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    # Only the location and message are echoed, never the submitted value: it may be
    # personal data and problem documents end up in logs and browser consoles.
    errors = [
        {"field": _field_name(err["loc"]), "in": str(err["loc"][0]), "message": err["msg"]}
        for err in exc.errors()
    ]
    fields = ", ".join(e["field"] for e in errors)
    return problem_response(
        request,
        HTTPStatus.UNPROCESSABLE_ENTITY,
        "Invalid request",
        f"Invalid value for: {fields}",
        type_="https://hourbank.example/problems/validation",
        extra={"errors": errors},
    )


async def _http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    return problem_response(
        request, exc.status_code, HTTPStatus(exc.status_code).phrase, str(exc.detail)
    )


async def _problem_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return problem_response(
        request,
        exc.status,
        exc.title,
        exc.detail,
        type_=exc.type_,
        extra=exc.extra,
        headers=exc.headers,
    )


def install_http_plumbing(app: FastAPI) -> None:
    """Problem-details error handlers, correlation ids, a canonical log line, /healthz."""
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler)
    app.add_exception_handler(ProblemError, _problem_handler)

    app.add_middleware(CanonicalLogLine)
    install_health(app)


# --- health ---------------------------------------------------------------------------------

ReadinessCheck = Callable[[], object]
"""Raises when a dependency the service needs does not answer."""
_DEPENDENCY_DOWN = (OperationalError, InterfaceError, psycopg.OperationalError)
RETRY_AFTER_SECONDS = 5


def install_health(app: FastAPI) -> None:
    """``/healthz`` (liveness: the process answers) and ``/readyz`` (readiness: every check
    added with ``add_readiness_check`` passes, e.g. PostgreSQL answers). A request that
    meets a database outage answers 503 with ``Retry-After`` rather than 500: the pool
    reconnects by itself once the server is back."""
    app.state.readiness_checks = {}
    for error_class in _DEPENDENCY_DOWN:
        app.add_exception_handler(error_class, _dependency_down_handler)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz(request: Request) -> Response:
        failing = {}
        for name, check in request.app.state.readiness_checks.items():
            try:
                check()
            except Exception as error:  # noqa: BLE001 - any failure means not ready
                failing[name] = type(error).__name__
        if failing:
            return problem_response(
                request,
                HTTPStatus.SERVICE_UNAVAILABLE,
                "Not ready",
                f"Not answering: {', '.join(sorted(failing))}",
                extra={"failing": failing},
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        return JSONResponse(
            {"status": "ready", "checks": sorted(request.app.state.readiness_checks)}
        )


def add_readiness_check(app: FastAPI, name: str, check: ReadinessCheck) -> None:
    app.state.readiness_checks[name] = check


async def _dependency_down_handler(request: Request, exc: Exception) -> Response:
    _log.warning("http.dependency_down", error=type(exc).__name__)
    return problem_response(
        request,
        HTTPStatus.SERVICE_UNAVAILABLE,
        "Service unavailable",
        "A service this one depends on is not answering; try again shortly.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


class CanonicalLogLine:
    """Correlation id in and out, and one log line per request.

    A plain ASGI middleware rather than ``@app.middleware("http")``: Starlette's
    BaseHTTPMiddleware runs the endpoint in a second task and streams the response through
    a memory channel, which cost the ledger API about 7 % of its CPU per request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = Headers(scope=scope).get(CORRELATION_HEADER) or str(uuid.uuid4())
        started = time.perf_counter()
        # request.state is this dict: endpoints read the id and add log context through it.
        state = scope.setdefault("state", {})
        state["correlation_id"] = correlation_id
        structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
        status = 500

        async def send_with_correlation_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[CORRELATION_HEADER] = correlation_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_correlation_id)
        finally:
            # The route template, not the concrete path: paths carry opaque ids only, but
            # a template keeps the line aggregatable.
            route = scope.get("route")
            _log.info(
                "http.request",
                method=scope["method"],
                route=getattr(route, "path", scope["path"]),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                **dict(state.get("log_context", {})),
            )
            structlog.contextvars.unbind_contextvars("correlation_id")


def add_log_context(request: Request, **fields: Any) -> None:
    """Add fields (opaque ids only) to the request's canonical log line."""
    context = getattr(request.state, "log_context", None)
    if context is None:
        context = {}
        request.state.log_context = context
    context.update(fields)


def serve(app: FastAPI, *, host: str, port: int) -> None:
    """Run an HTTP service (uvicorn, which picks up uvloop and httptools; our own logging).

    What startup built is first moved out of the garbage collector's sight: without that,
    full collections paused the ledger API 60-90 ms several times a minute, which set its
    p99 (``runtime.py``, docs/benchmarks.md).
    """
    settle_startup_objects()
    # uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1 (FORWARDED_ALLOW_IPS):
    # an app that needs the client's address trusts its proxies itself (identity's
    # HTTP_TRUSTED_PROXIES), so that no client can choose the address it is seen from.
    uvicorn.run(app, host=host, port=port, log_config=None, proxy_headers=False)
