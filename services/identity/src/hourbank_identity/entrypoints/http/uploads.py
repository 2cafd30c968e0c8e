"""CSV uploads over HTTP: the body read as rows (``adapters/csv_rows.py``), what OpenAPI
says about it, and the problems a body that is not CSV is answered with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request, Response

from hourbank_common.http import PROBLEM_TYPES, problem_response
from hourbank_identity.adapters.csv_rows import (
    MAX_CSV_BYTES,
    CsvNotUtf8,
    CsvTooLarge,
    CsvUnreadable,
    read_rows,
)

__all__ = ["MAX_CSV_BYTES", "csv_body", "install_csv_problems", "read_csv"]


async def read_csv(request: Request, required: Sequence[str]) -> list[dict[str, str]]:
    return read_rows(await request.body(), required, max_bytes=MAX_CSV_BYTES)


def csv_body(columns: Sequence[str]) -> dict[str, Any]:
    """``openapi_extra`` of an endpoint whose body is a CSV upload with these columns."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": ",".join(columns) + "\n",
                }
            },
        }
    }


async def _too_large(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CsvTooLarge)
    return problem_response(request, 413, "Too large", exc.message)


async def _not_utf8(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CsvNotUtf8)
    return problem_response(
        request, 415, "Unsupported encoding", exc.message, type_=PROBLEM_TYPES + "encoding"
    )


async def _unreadable(request: Request, exc: Exception) -> Response:
    # More specific than the InvalidInput family's handler: it names every missing column.
    assert isinstance(exc, CsvUnreadable)
    return problem_response(
        request,
        422,
        "Invalid CSV",
        exc.message,
        type_=PROBLEM_TYPES + "validation",
        extra={"errors": exc.errors},
    )


def install_csv_problems(app: FastAPI) -> None:
    app.add_exception_handler(CsvTooLarge, _too_large)
    app.add_exception_handler(CsvNotUtf8, _not_utf8)
    app.add_exception_handler(CsvUnreadable, _unreadable)
