"""FastAPI plumbing: RFC 9457 problem details, correlation ids, one log line per request,
request metrics (``/metrics``) and health (``/healthz``, ``/readyz``).

Every error answer is ``application/problem+json``, and the OpenAPI document says so: each
operation lists the error statuses it can answer (401/403 when it needs a token, 404 when
its path names a resource, 422 when it takes input, and what the endpoint adds itself, such
as 409 or 429) with the ``Problem`` schema, so that clients and the schemathesis run in the
test suite can hold the services to it. A 405 names the allowed methods in ``Allow``.

Requests are counted and timed by route template, method and status (never by the concrete
path, which may hold ids) and served in Prometheus' text format at ``/metrics``, with the
process's other metrics (e.g. parked items) from prometheus-client's default registry.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any, TypeVar

import psycopg
import structlog
import uvicorn
from eventsourcing.persistence import InterfaceError, OperationalError
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.exposition import choose_encoder
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hourbank_common import errors
from hourbank_common.healing import until_healed
from hourbank_common.logging import configure_logging, get_logger
from hourbank_common.postgres import database_answers
from hourbank_common.runtime import settle_startup_objects
from hourbank_common.settings import ApiSettings

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


def _allowed_methods(request: Request) -> str:
    """The methods the path answers, as its OpenAPI path item lists them: every route with
    the template of the route Starlette chose (a path's GET and POST are two routes, and
    Starlette's own ``Allow`` names only the first one it tried). The routes of included
    ``APIRouter``s count as well: FastAPI keeps each inclusion as one entry of
    ``app.router.routes`` and ``iter_route_contexts`` lists the routes inside."""
    template: str | None = None
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):
        route_methods = getattr(route, "methods", None)
        if not route_methods:
            continue
        if template is None:
            match, _ = route.matches(request.scope)
            if match is Match.NONE:
                continue
            template = getattr(route, "path", None)
        if getattr(route, "path", None) == template:
            methods.update(route_methods)
    return ", ".join(sorted(methods))


async def _http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        headers["Allow"] = _allowed_methods(request)
    return problem_response(
        request,
        exc.status_code,
        HTTPStatus(exc.status_code).phrase,
        str(exc.detail),
        headers=headers or None,
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


# --- the error families of hourbank_common.errors -------------------------------------------

PROBLEM_TYPES = "https://hourbank.example/problems/"
_FAMILIES: dict[type[errors.ServiceError], tuple[int, str, str]] = {
    errors.InvalidInput: (422, "Invalid request", "validation"),
    errors.NotFound: (404, "Not found", "not-found"),
    errors.Conflict: (409, "Conflict", "conflict"),
    errors.Forbidden: (403, "Forbidden", "forbidden"),
    errors.PaymentRequired: (402, "Payment required", "payment-required"),
    errors.InvalidCredentials: (401, "Unauthorized", "invalid-credentials"),
    errors.Throttled: (429, "Too many attempts", "throttled"),
    errors.Unavailable: (503, "Service unavailable", "unavailable"),
    errors.ServiceError: (400, "Bad request", "bad-request"),
}


def problem_for(error: errors.ServiceError) -> ProblemError:
    """The problem document a service error is answered with: its family decides the status,
    the error may word the title, type and field errors more precisely."""
    family = next(f for f in type(error).__mro__ if f in _FAMILIES)
    status, title, kind = _FAMILIES[family]
    headers: dict[str, str] = {}
    retry_after = getattr(error, "retry_after_seconds", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    field_errors = error.problem_errors()
    return ProblemError(
        status,
        error.problem_title or title,
        str(error),
        type_=error.problem_type or PROBLEM_TYPES + kind,
        extra={"errors": field_errors} if field_errors else None,
        headers=headers,
    )


async def _service_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.ServiceError)
    return await _problem_handler(request, problem_for(exc))


# --- what the OpenAPI document says about errors ----------------------------------------------

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; ``errors`` names each offending field.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "A URI naming the kind of problem."},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The request path."},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "in": {"type": "string", "description": "body, query, path or header."},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_ERROR_DESCRIPTIONS = {
    400: "The request body could not be read (e.g. it is not UTF-8).",
    401: "No valid access token.",
    402: "A paid order is needed first.",
    403: "The token's role or scope does not reach this.",
    404: "No such resource (or not visible with this token).",
    409: "It exists already with other facts, or a concurrent change won.",
    413: "The request body is too large.",
    415: "The request body's media type or encoding is not accepted.",
    422: "Invalid input: the problem names each field.",
    429: "Too many attempts; Retry-After says when to try again.",
    503: "Not available in this deployment.",
}
_ERROR_HEADERS = {
    401: {
        "WWW-Authenticate": {
            "description": "The authentication scheme (Bearer).",
            "schema": {"type": "string"},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "string"},
        }
    },
}
_OPERATION_METHODS = frozenset({"get", "put", "post", "delete", "patch", "options", "head"})


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for the error statuses an endpoint answers beyond the ones every
    operation documents by its shape (401/403 with a token, 404 with a path id, 422)."""
    return {
        status: {"description": _ERROR_DESCRIPTIONS.get(status, HTTPStatus(status).phrase)}
        for status in statuses
    }


def _document_problems(document: dict[str, Any]) -> None:
    """Give every operation its error answers, as ``application/problem+json``."""
    for item in document.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _OPERATION_METHODS:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            implied: list[int] = []
            if operation.get("security"):
                implied += [401, 403]
            parameters = operation.get("parameters", [])
            if any(parameter.get("in") == "path" for parameter in parameters):
                implied.append(404)
            if parameters or "requestBody" in operation:
                implied.append(422)
            if "requestBody" in operation:
                implied.append(400)  # a body that cannot be read at all (not UTF-8)
            for status in implied:
                responses.setdefault(str(status), {})
            for code, response in responses.items():
                if not code.isascii() or not code.isdigit() or int(code) < 400:
                    continue
                status = int(code)
                if not response.get("description") or response["description"] in (
                    "Validation Error",
                    "Successful Response",
                ):
                    response["description"] = _ERROR_DESCRIPTIONS.get(
                        status, HTTPStatus(status).phrase
                    )
                response["content"] = {PROBLEM_JSON: {"schema": _PROBLEM_REF}}
                if status in _ERROR_HEADERS:
                    response.setdefault("headers", {}).update(_ERROR_HEADERS[status])
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    # FastAPI's own validation-error shapes are no longer referenced: it never answers them.
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)


def _install_problem_openapi(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            _document_problems(document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_http_plumbing(app: FastAPI) -> None:
    """Problem-details error handlers, correlation ids, a canonical log line and request
    metrics, ``/metrics``, ``/healthz`` and ``/readyz``."""
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler)
    app.add_exception_handler(ProblemError, _problem_handler)
    # One handler per error family: a subclass raised anywhere below is answered by its family.
    for family in _FAMILIES:
        app.add_exception_handler(family, _service_error_handler)
    _install_problem_openapi(app)

    app.add_middleware(CanonicalLogLine)
    install_health(app)
    install_metrics(app)


# --- metrics --------------------------------------------------------------------------------

UNMATCHED_ROUTE = "<unmatched>"
"""The route label of a request no route matched: one label for every unknown path, so that
a client probing paths cannot create a series per path."""
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
HTTP_REQUESTS = Counter(
    "hourbank_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "hourbank_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by route template and method.",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def install_metrics(app: FastAPI) -> None:
    """``/metrics``: prometheus-client's default registry (the request metrics
    ``CanonicalLogLine`` records and whatever else the process counts), in the format the
    scraper's ``Accept`` asks for, as prometheus-client's own exporter negotiates it
    (Prometheus' text format 0.0.4 by default, OpenMetrics on request)."""

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        encode, content_type = choose_encoder(request.headers.get("accept", ""))
        return Response(encode(REGISTRY), headers={"Content-Type": content_type})


def _observe_request(route: str, method: str, status: int, seconds: float) -> None:
    # A client may send any method token: unknown ones share one label, like unknown paths.
    method_label = method if method in _KNOWN_METHODS else "OTHER"
    HTTP_REQUESTS.labels(route, method_label, str(status)).inc()
    HTTP_REQUEST_DURATION.labels(route, method_label).observe(seconds)


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
    """Correlation id in and out, one log line and the request metrics per request.

    A plain ASGI middleware rather than ``@app.middleware("http")``: Starlette's
    BaseHTTPMiddleware runs the endpoint in a second task and streams the response through
    a memory channel, a cost paid on every request (docs/benchmarks.md).
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
            seconds = time.perf_counter() - started
            # The route template, not the concrete path: paths carry opaque ids only, but
            # a template keeps the line aggregatable (and a metric's labels few).
            template: str | None = getattr(scope.get("route"), "path", None)
            _observe_request(template or UNMATCHED_ROUTE, scope["method"], status, seconds)
            _log.info(
                "http.request",
                method=scope["method"],
                route=template or scope["path"],
                status=status,
                duration_ms=round(seconds * 1000, 2),
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

    What startup built is first moved out of the garbage collector's sight: otherwise full
    collections walk it again and again under load and their pauses set the tail latency
    (``runtime.py``, docs/benchmarks.md).
    """
    settle_startup_objects()
    # uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1 (FORWARDED_ALLOW_IPS):
    # an app that needs the client's address trusts its proxies itself (identity's
    # HTTP_TRUSTED_PROXIES), so that no client can choose the address it is seen from.
    uvicorn.run(app, host=host, port=port, log_config=None, proxy_headers=False)


ApiSettingsT = TypeVar("ApiSettingsT", bound=ApiSettings)


def run_api(
    name: str, settings_class: type[ApiSettingsT], build_app: Callable[[ApiSettingsT], FastAPI]
) -> None:
    """The API process ``name``: read the settings, build the app (waiting out a database
    that is down or still starting, as every other process does, instead of exiting), add
    the PostgreSQL readiness check and serve until SIGTERM or SIGINT."""
    settings = settings_class()
    configure_logging(name, settings.log_level, json=settings.log_json)
    app = until_healed(lambda: build_app(settings), what=f"{name} start")
    add_readiness_check(
        app, "postgresql", database_answers(settings.database_url.get_secret_value())
    )
    serve(app, host=settings.http_host, port=settings.http_port)
