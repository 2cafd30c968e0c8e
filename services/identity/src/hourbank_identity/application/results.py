"""What identity's verbs answer: plain values the HTTP layer turns into response bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class Activation:
    account_id: UUID
    login: str | None
    activation_code: str
    """Shown once, to be handed over out of band; only its digest is stored."""
    expires_at: datetime


@dataclass(frozen=True)
class ProfessionalRegistration:
    person_id: UUID
    created: bool
    masked_id_number: str
    activation: Activation | None
    """None when the person was already registered (a retry): codes are never shown twice."""


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True)
class PersonProfile:
    person_id: UUID
    name: str
    region_code: str
    organisation_ids: list[UUID]
    registration: str
    masked_id_number: str | None
    """First 4 and last 4 characters; None once the ID number was erased."""
    id_number_erased: bool
    legacy_hours: dict[str, dict[str, Decimal]]


@dataclass(frozen=True)
class RowError:
    row: int
    """1-based data row number (the header is row 0)."""
    field: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    activations: list[dict[str, Any]] = field(default_factory=list)
    hours_recorded: int = 0
