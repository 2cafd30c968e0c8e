"""Ledger HTTP API: ``python -m hourbank_ledger.entrypoints.http``.

Serves a person's hours from the read model the projector maintains.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import uvicorn
from fastapi import FastAPI, Path, Query, Request
from pydantic import BaseModel, Field

from hourbank_common.http import install_http_plumbing
from hourbank_common.logging import configure_logging
from hourbank_ledger.application.read_model import EntryRow, HourBankView
from hourbank_ledger.config import LedgerApiSettings

SUBJECTS = ("public", "professional")


def hours_text(value: Decimal | int) -> str:
    """Hours as the contracts write them: a plain decimal string without trailing zeros."""
    return format(Decimal(value).normalize(), "f")


class EntryOut(BaseModel):
    entry_id: str = Field(description="ce_id of the public event that credited these hours.")
    event_type: str
    source: str = Field(description="ce_source of that event (the producing service).")
    source_ref: str
    region_code: str = Field(description="GB/T 2260 code of the region of origin.")
    subject: str
    hours: str = Field(description="Decimal hours as a string.")
    occurred_at: datetime

    @classmethod
    def of(cls, row: EntryRow) -> EntryOut:
        return cls(
            entry_id=row.entry_id,
            event_type=row.event_type,
            source=row.source,
            source_ref=row.source_ref,
            region_code=row.region_code,
            subject=row.subject,
            hours=hours_text(row.hours),
            occurred_at=row.occurred_at,
        )


class Page(BaseModel):
    limit: int
    offset: int
    total: int
    next_offset: int | None


class YearHoursOut(BaseModel):
    person_id: UUID
    study_year: int
    hours_by_subject: dict[str, str] = Field(description="public / professional → hours.")
    total_hours: str
    entries: list[EntryOut]
    page: Page


def create_app(view: HourBankView) -> FastAPI:
    app = FastAPI(
        title="hourbank ledger",
        version="1.0.0",
        description="A person's hour bank, as the title-evaluation system reads it.",
    )
    install_http_plumbing(app)

    @app.get("/v1/persons/{person_id}/years/{study_year}/hours")
    def year_hours(
        request: Request,
        person_id: UUID,
        study_year: Annotated[int, Path(ge=2000, le=2100)],
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> YearHoursOut:
        request.state.log_context = {"person_id": str(person_id)}
        totals = view.hours_by_subject(person_id, study_year)
        page = view.entries(person_id, study_year, limit=limit, offset=offset)
        by_subject = {subject: totals.get(subject, Decimal(0)) for subject in SUBJECTS}
        next_offset = offset + len(page.entries)
        return YearHoursOut(
            person_id=person_id,
            study_year=study_year,
            hours_by_subject={k: hours_text(v) for k, v in by_subject.items()},
            total_hours=hours_text(sum(totals.values(), Decimal(0))),
            entries=[EntryOut.of(row) for row in page.entries],
            page=Page(
                limit=limit,
                offset=offset,
                total=page.total,
                next_offset=next_offset if next_offset < page.total else None,
            ),
        )

    return app


def main() -> None:
    from hourbank_ledger.bootstrap import build_view

    settings = LedgerApiSettings()
    configure_logging("ledger-api", settings.log_level, json=settings.log_json)
    app = create_app(build_view(settings))
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_config=None)


if __name__ == "__main__":
    main()
