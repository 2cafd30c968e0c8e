"""Request and response bodies of identity's HTTP API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from hourbank_common.pages import Page
from hourbank_contracts.fields import NameText, PrintableText
from hourbank_identity.application.organisation_search import OrganisationEntry
from hourbank_identity.application.results import (
    Activation,
    ImportReport,
    PersonProfile,
    ProfessionalRegistration,
    TokenPair,
)
from hourbank_identity.domain.organisation import Organisation, OrganisationKind


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrganisationIn(_Body):
    kind: OrganisationKind
    name: NameText
    region_code: str = Field(description="GB/T 2260 code of the city or district.")
    credit_code: str | None = Field(default=None, description="Employers and agencies.")
    industry_authority_id: UUID | None = Field(default=None, description="Employers only.")


class EmployerSelfRegistrationIn(_Body):
    name: NameText
    region_code: str
    credit_code: str
    industry_authority_id: UUID


class OrganisationOut(BaseModel):
    organisation_id: UUID
    kind: str
    name: str
    region_code: str
    credit_code: str | None
    status: str
    parent_id: UUID | None

    @classmethod
    def of(cls, org: Organisation) -> OrganisationOut:
        return cls(
            organisation_id=org.id,
            kind=org.kind.value,
            name=org.name,
            region_code=org.region_code,
            credit_code=org.credit_code,
            status=org.status.value,
            parent_id=org.parent_id,
        )

    @classmethod
    def of_entry(cls, entry: OrganisationEntry) -> OrganisationOut:
        return cls(
            organisation_id=entry.organisation_id,
            kind=entry.kind,
            name=entry.name,
            region_code=entry.region_code,
            credit_code=entry.credit_code,
            status=entry.status,
            parent_id=entry.parent_id,
        )


# A named subclass rather than Page[OrganisationOut] itself, so that the OpenAPI schema
# keeps the name clients generated their types from.
class OrganisationPage(Page[OrganisationOut]):
    """A page of the organisations a search found."""


class AccountIn(_Body):
    login: Annotated[PrintableText, Field(min_length=3, max_length=64)]


class ActivationOut(BaseModel):
    account_id: UUID
    login: str | None
    activation_code: str = Field(description="Shown once; hand it to the account holder.")
    expires_at: datetime

    @classmethod
    def of(cls, activation: Activation) -> ActivationOut:
        return cls(
            account_id=activation.account_id,
            login=activation.login,
            activation_code=activation.activation_code,
            expires_at=activation.expires_at,
        )


class ProfessionalIn(_Body):
    name: Annotated[NameText, Field(max_length=50)]
    id_number: Annotated[PrintableText, Field(min_length=1, max_length=32)] = Field(
        description="18-character resident ID number (身份证号)."
    )
    organisation_id: UUID = Field(description="The employer, or the agency of a free-lancer.")


class ProfessionalOut(BaseModel):
    person_id: UUID
    created: bool
    masked_id_number: str
    activation: ActivationOut | None

    @classmethod
    def of(cls, result: ProfessionalRegistration) -> ProfessionalOut:
        return cls(
            person_id=result.person_id,
            created=result.created,
            masked_id_number=result.masked_id_number,
            activation=ActivationOut.of(result.activation) if result.activation else None,
        )


class ProfileOut(BaseModel):
    person_id: UUID
    name: str
    region_code: str
    organisation_ids: list[UUID]
    registration: str
    masked_id_number: str | None
    id_number_erased: bool
    legacy_hours: dict[str, dict[str, Decimal]]

    @classmethod
    def of(cls, profile: PersonProfile) -> ProfileOut:
        return cls(**profile.__dict__)


class ActivateIn(_Body):
    login: Annotated[PrintableText, Field(min_length=1, max_length=64)] = Field(
        description="Login name, or the ID number."
    )
    activation_code: Annotated[PrintableText, Field(min_length=1, max_length=64)]
    password: Annotated[PrintableText, Field(min_length=1, max_length=128)]


class LoginIn(_Body):
    login: Annotated[PrintableText, Field(min_length=1, max_length=64)] = Field(
        description="Login name, or the ID number."
    )
    password: Annotated[PrintableText, Field(min_length=1, max_length=128)]


class RefreshIn(_Body):
    refresh_token: Annotated[PrintableText, Field(min_length=1, max_length=4096)]


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int

    @classmethod
    def of(cls, pair: TokenPair) -> TokensOut:
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
        )


class RowErrorOut(BaseModel):
    row: int
    field: str
    message: str


class ImportReportOut(BaseModel):
    rows: int
    created: int
    unchanged: int
    hours_recorded: int
    errors: list[RowErrorOut]
    activations: list[dict[str, Any]] = Field(
        description="One-time activation codes of accounts created by this import."
    )

    @classmethod
    def of(cls, report: ImportReport) -> ImportReportOut:
        return cls(
            rows=report.rows,
            created=report.created,
            unchanged=report.unchanged,
            hours_recorded=report.hours_recorded,
            errors=[
                RowErrorOut(row=e.row, field=e.field, message=e.message) for e in report.errors
            ],
            activations=report.activations,
        )
