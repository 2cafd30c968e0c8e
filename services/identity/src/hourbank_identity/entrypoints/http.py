"""Identity HTTP API: ``python -m hourbank_identity.entrypoints.http``.

Registry (organisations, professionals, legacy migration), accounts (activation, login,
refresh) and the public key other services verify tokens with. ID numbers travel only in
request bodies, never in a URL, a log line or a response (responses show the masked form).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from jwt.algorithms import OKPAlgorithm
from pydantic import BaseModel, ConfigDict, Field
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from hourbank_common.auth import (
    CurrentPrincipal,
    Role,
    install_authentication,
    require_role,
)
from hourbank_common.http import (
    ProblemError,
    add_log_context,
    add_readiness_check,
    install_http_plumbing,
    problem_responses,
    serve,
)
from hourbank_common.logging import configure_logging
from hourbank_common.postgres import database_answers
from hourbank_contracts.fields import NameText, PageOffset, PrintableText, SearchText
from hourbank_identity.application.organisation_search import (
    OrganisationEntry,
    OrganisationSearchView,
)
from hourbank_identity.application.service import (
    Activation,
    Conflict,
    Forbidden,
    IdentityApplication,
    IdentityError,
    ImportReport,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    Throttled,
    TokenPair,
)
from hourbank_identity.config import IdentityApiSettings
from hourbank_identity.domain.organisation import Organisation, OrganisationKind

MAX_CSV_BYTES = 5 * 1024 * 1024
ORGANISATION_COLUMNS = ("kind", "name", "region_code", "credit_code", "industry_authority")
LEGACY_COLUMNS = (
    "name",
    "id_number",
    "employer_credit_code",
    "study_year",
    "public_hours",
    "professional_hours",
)
_PROBLEMS = "https://hourbank.example/problems/"


def _problem(error: IdentityError) -> ProblemError:
    errors = [{"field": error.field, "message": error.message}] if error.field else []
    if isinstance(error, Throttled):
        return ProblemError(
            429,
            "Too many attempts",
            error.message,
            type_=_PROBLEMS + "throttled",
            headers={"Retry-After": str(error.retry_after_seconds)},
        )
    status, title, kind = {
        InvalidInput: (422, "Invalid request", "validation"),
        NotFound: (404, "Not found", "not-found"),
        Conflict: (409, "Conflict", "conflict"),
        Forbidden: (403, "Forbidden", "forbidden"),
        InvalidCredentials: (401, "Unauthorized", "invalid-credentials"),
    }.get(type(error), (400, "Bad request", "bad-request"))
    return ProblemError(
        status,
        title,
        error.message,
        type_=_PROBLEMS + kind,
        extra={"errors": errors} if errors else None,
    )


# --- bodies ---------------------------------------------------------------------------------


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


class OrganisationPage(BaseModel):
    items: list[OrganisationOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None


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


class ProfileOut(BaseModel):
    person_id: UUID
    name: str
    region_code: str
    organisation_ids: list[UUID]
    registration: str
    masked_id_number: str | None
    id_number_erased: bool
    legacy_hours: dict[str, dict[str, Decimal]]


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


def _invalid_csv(detail: str, errors: list[dict[str, Any]]) -> ProblemError:
    return ProblemError(
        422, "Invalid CSV", detail, type_=_PROBLEMS + "validation", extra={"errors": errors}
    )


async def _csv_rows(request: Request, required: tuple[str, ...]) -> list[dict[str, str]]:
    """The request body as CSV rows (UTF-8, optional BOM, header row naming columns).

    Any line ending is read (CRLF, LF, a lone CR as old spreadsheet exports write, mixed);
    a row with missing fields reads them as empty, extra fields are ignored. What is not
    CSV at all is a 4xx problem; a bad value is a row error from the application."""
    body = await request.body()
    if len(body) > MAX_CSV_BYTES:
        raise ProblemError(413, "Too large", f"a CSV upload is limited to {MAX_CSV_BYTES} bytes")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ProblemError(
            415,
            "Unsupported encoding",
            f"the CSV must be UTF-8 (byte {error.start} is not)",
            type_=_PROBLEMS + "encoding",
        ) from error
    # newline="" leaves line endings to the csv module, which accepts all of them (the
    # default translation made a lone CR an error, a 500).
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fieldnames = reader.fieldnames or []
        missing = [column for column in required if column not in fieldnames]
        if missing:
            raise _invalid_csv(
                f"missing columns: {', '.join(missing)}",
                [{"field": column, "message": "missing column"} for column in missing],
            )
        return [{key: (value or "") for key, value in row.items() if key} for row in reader]
    except csv.Error as error:
        # e.g. a field beyond the csv module's size limit; the message names no value.
        raise _invalid_csv(
            f"line {reader.line_num}: {error}",
            [{"field": "row", "message": f"line {reader.line_num}: {error}"}],
        ) from error


def client_address(request: Request) -> str:
    """The caller's address for throttling: the TCP peer, or, behind a trusted proxy (see
    ``create_app``'s ``trusted_proxies``), the address that proxy reports."""
    return request.client.host if request.client else "unknown"


def create_app(
    identity: IdentityApplication,
    search: OrganisationSearchView,
    *,
    trusted_proxies: Sequence[str] = (),
) -> FastAPI:
    """``trusted_proxies``: addresses or CIDR networks of reverse proxies whose
    X-Forwarded-For names the client (uvicorn's ProxyHeadersMiddleware); none by default,
    so that a client cannot choose the address it is throttled under."""
    app = FastAPI(
        title="hourbank identity",
        version="1.0.0",
        description="Organisations, professionals, accounts and access tokens.",
    )
    install_http_plumbing(app)
    install_authentication(app, identity.verifier)
    if trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted_proxies))

    def call(function: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except IdentityError as error:
            raise _problem(error) from error

    # --- organisations -------------------------------------------------------------------

    @app.post(
        "/v1/organisations",
        status_code=201,
        responses={
            200: {
                "description": "Already registered with the same facts.",
                "model": OrganisationOut,
            },
            **problem_responses(409),
        },
    )
    def register_organisation(
        body: OrganisationIn, principal: CurrentPrincipal, response: Response
    ) -> OrganisationOut:
        organisation, created = call(
            identity.register_organisation,
            principal,
            kind=body.kind,
            name=body.name,
            region_code=body.region_code,
            credit_code=body.credit_code,
            industry_authority_id=body.industry_authority_id,
        )
        if not created:
            response.status_code = 200
        return OrganisationOut.of(organisation)

    @app.post(
        "/v1/organisations/import",
        openapi_extra=_csv_body(ORGANISATION_COLUMNS),
        responses=problem_responses(413, 415),
    )
    async def preload_organisations(
        request: Request, principal: CurrentPrincipal
    ) -> ImportReportOut:
        require_role(principal, [Role.PROVINCE_ADMIN, Role.HR_AUTHORITY])
        rows = await _csv_rows(request, ORGANISATION_COLUMNS[:3])
        report = await run_in_threadpool(call, identity.preload_organisations, principal, rows)
        return ImportReportOut.of(report)

    @app.post("/v1/employers", status_code=201, responses=problem_responses(403, 409))
    def self_register_employer(body: EmployerSelfRegistrationIn) -> OrganisationOut:
        """Anyone may ask to register an employer that was not pre-loaded; it stays pending
        until its HR authority approves it and creates its administrator account."""
        organisation, _ = call(
            identity.register_organisation,
            None,
            kind=OrganisationKind.EMPLOYER,
            name=body.name,
            region_code=body.region_code,
            credit_code=body.credit_code,
            industry_authority_id=body.industry_authority_id,
        )
        return OrganisationOut.of(organisation)

    @app.post("/v1/employers/{organisation_id}/approval", responses=problem_responses(409))
    def approve_employer(organisation_id: UUID, principal: CurrentPrincipal) -> OrganisationOut:
        return OrganisationOut.of(call(identity.approve_employer, principal, organisation_id))

    @app.get("/v1/organisations")
    def search_organisations(
        principal: CurrentPrincipal,
        q: Annotated[SearchText | None, Query(description="Name or credit code.")] = None,
        kind: Annotated[OrganisationKind | None, Query()] = OrganisationKind.EMPLOYER,
        region_code: Annotated[str | None, Query(pattern=r"^[1-8][0-9]{5}$")] = None,
        status: Annotated[str | None, Query(pattern=r"^(active|pending)$")] = None,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        offset: PageOffset = 0,
    ) -> OrganisationPage:
        """Search by partial name or credit code, tolerant of typos; names and credit
        codes are public registry data, so every authenticated role may search."""
        page = search.search(
            q,
            kinds=[kind.value] if kind else [],
            region_code=region_code,
            status=status,
            limit=limit,
            offset=offset,
        )
        next_offset = offset + len(page.items)
        return OrganisationPage(
            items=[OrganisationOut.of_entry(entry) for entry in page.items],
            total=page.total,
            limit=limit,
            offset=offset,
            next_offset=next_offset if next_offset < page.total else None,
        )

    @app.get("/v1/organisations/{organisation_id}")
    def get_organisation(organisation_id: UUID, principal: CurrentPrincipal) -> OrganisationOut:
        organisation = identity.organisation(organisation_id)
        if organisation is None:
            raise _problem(NotFound("no such organisation"))
        return OrganisationOut.of(organisation)

    @app.post(
        "/v1/organisations/{organisation_id}/accounts",
        status_code=201,
        responses=problem_responses(409),
    )
    def create_admin_account(
        organisation_id: UUID, body: AccountIn, principal: CurrentPrincipal
    ) -> ActivationOut:
        return ActivationOut.of(
            call(identity.provision_admin, principal, organisation_id, body.login)
        )

    # --- people ---------------------------------------------------------------------------

    @app.post(
        "/v1/persons",
        status_code=201,
        responses={
            200: {"description": "Already registered (a retry).", "model": ProfessionalOut},
            **problem_responses(409),
        },
    )
    def register_professional(
        request: Request, body: ProfessionalIn, principal: CurrentPrincipal, response: Response
    ) -> ProfessionalOut:
        result = call(
            identity.register_professional,
            principal,
            name=body.name,
            id_number=body.id_number,
            organisation=body.organisation_id,
        )
        add_log_context(request, person_id=str(result.person_id))
        if not result.created:
            response.status_code = 200
        return ProfessionalOut(
            person_id=result.person_id,
            created=result.created,
            masked_id_number=result.masked_id_number,
            activation=ActivationOut.of(result.activation) if result.activation else None,
        )

    @app.get("/v1/persons/{person_id}")
    def get_person(request: Request, person_id: UUID, principal: CurrentPrincipal) -> ProfileOut:
        add_log_context(request, person_id=str(person_id))
        profile = call(identity.profile, principal, person_id)
        return ProfileOut(**profile.__dict__)

    @app.delete("/v1/persons/{person_id}/id-number", status_code=204)
    def erase_id_number(request: Request, person_id: UUID, principal: CurrentPrincipal) -> None:
        """Crypto-shredding: the person's key is destroyed; the encrypted ID number stays
        unreadable for good. Hours and account stay."""
        add_log_context(request, person_id=str(person_id))
        call(identity.erase_id_number, principal, person_id)

    @app.post(
        "/v1/legacy-imports",
        openapi_extra=_csv_body(LEGACY_COLUMNS),
        responses=problem_responses(413, 415),
    )
    async def import_legacy(
        request: Request,
        principal: CurrentPrincipal,
        batch_id: Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[\w.-]+$")],
    ) -> ImportReportOut:
        require_role(principal, [Role.PROVINCE_ADMIN, Role.HR_AUTHORITY])
        rows = await _csv_rows(request, LEGACY_COLUMNS)
        report = await run_in_threadpool(call, identity.import_legacy, principal, rows, batch_id)
        return ImportReportOut.of(report)

    # --- accounts and tokens -----------------------------------------------------------------

    @app.post("/v1/accounts/activate", responses=problem_responses(401, 409, 429))
    def activate(request: Request, body: ActivateIn) -> dict[str, str]:
        """Unknown login, active account and wrong code answer the same 401; repeated
        failures answer 429 with Retry-After, for unknown logins exactly as for known ones."""
        account_id = call(
            identity.activate,
            body.login,
            body.activation_code,
            body.password,
            client_address=client_address(request),
        )
        return {"account_id": str(account_id), "status": "active"}

    @app.post("/v1/auth/login", responses=problem_responses(401, 409, 429))
    def login(request: Request, body: LoginIn) -> TokensOut:
        """Unknown login and wrong password answer the same 401; repeated failures answer
        429 with Retry-After (a short backoff, never a lock), the same for every login."""
        return TokensOut.of(
            call(
                identity.login,
                body.login,
                body.password,
                client_address=client_address(request),
            )
        )

    @app.post("/v1/auth/refresh", responses=problem_responses(401, 409))
    def refresh(body: RefreshIn) -> TokensOut:
        return TokensOut.of(call(identity.refresh, body.refresh_token))

    @app.get("/.well-known/jwks.json")
    def jwks() -> dict[str, list[dict[str, Any]]]:
        """The token-signing public key as a JSON Web Key Set, for verifiers."""
        key = OKPAlgorithm.to_jwk(_public_key(identity), as_dict=True)
        return {"keys": [{**key, "use": "sig", "alg": "EdDSA"}]}

    return app


def _public_key(identity: IdentityApplication) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return load_pem_public_key(identity.signer.public_pem.encode("ascii"))


def _csv_body(columns: tuple[str, ...]) -> dict[str, Any]:
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


def main() -> None:
    from hourbank_identity.bootstrap import build_identity_application
    from hourbank_identity.bootstrap_search import build_search_view

    settings = IdentityApiSettings()
    configure_logging("identity-api", settings.log_level, json=settings.log_json)
    app = create_app(
        build_identity_application(settings),
        build_search_view(settings),
        trusted_proxies=[str(network) for network in settings.http_trusted_proxies],
    )
    add_readiness_check(
        app, "postgresql", database_answers(settings.database_url.get_secret_value())
    )
    serve(app, host=settings.http_host, port=settings.http_port)


if __name__ == "__main__":
    main()
