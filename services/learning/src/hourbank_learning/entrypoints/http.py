"""Learning HTTP API: ``python -m hourbank_learning.entrypoints.http``.

Every endpoint but /healthz needs an access token from identity. A professional records
completions for themself (the province's administrators for anyone); the completion keeps
the professional's organisations and registration region from the token, so that their
employer, industry authority and city can read it later and nobody else can.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import FastAPI, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from hourbank_common.auth import (
    CurrentPrincipal,
    ResourceScope,
    Role,
    TokenVerifier,
    authorize_read,
    authorize_write,
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
from hourbank_contracts.fields import Instant, ReferenceCode, ShandongRegionCode, StudyYearInput
from hourbank_learning.application.service import (
    ConflictingCompletionError,
    LearningApplication,
    RecordCompletion,
)
from hourbank_learning.config import LearningApiSettings
from hourbank_learning.domain.completion import (
    CourseCompletion,
    InvalidCompletionError,
    Subject,
)

# Stricter than the contract's hours (0 < hours <= 1000, two decimals): a course carries at
# most 200 hours, in tenths. Within the contract's, so every accepted value publishes.
Hours = Annotated[Decimal, Field(gt=0, le=200, decimal_places=1, max_digits=4, allow_inf_nan=False)]


class CompletionIn(BaseModel):
    """A person completed a course on the platform."""

    model_config = ConfigDict(extra="forbid")

    person_id: UUID = Field(description="Opaque person id (never the national ID number).")
    # Every field is a shared type that lies within the contract's (CourseCompletedV1), so
    # whatever this accepts the relay can publish: a test checks that property.
    course_id: ReferenceCode
    study_year: StudyYearInput = Field(description="Year the hours count for.")
    subject: Subject = Field(description="public (公需科目) or professional (专业科目).")
    hours: Hours = Field(description='Hours as a decimal, preferably a string: "2.5".')
    region_code: ShandongRegionCode = Field(
        description="GB/T 2260 code of the Shandong city platform."
    )
    completed_at: Instant = Field(description="When the course was completed (RFC 3339).")


class CompletionOut(BaseModel):
    completion_id: UUID
    person_id: UUID
    course_id: str
    study_year: int
    subject: Subject
    hours: str
    region_code: str
    completed_at: datetime

    @classmethod
    def of(cls, completion: CourseCompletion) -> CompletionOut:
        return cls(
            completion_id=completion.id,
            person_id=completion.person_id,
            course_id=completion.course_id,
            study_year=completion.study_year,
            subject=completion.subject,
            hours=str(completion.hours),
            region_code=completion.region_code,
            completed_at=completion.completed_at,
        )


# Who may record a completion: the person themself, or the province's administrators (e.g.
# correcting a platform's omission). Never the read-only title-evaluation system, and not an
# employer or a city: a completion is the professional's own statement.
_RECORDERS = (Role.PROFESSIONAL, Role.PROVINCE_ADMIN)


def create_app(learning: LearningApplication, *, verifier: TokenVerifier) -> FastAPI:
    app = FastAPI(
        title="hourbank learning",
        version="1.0.0",
        description="Records course completions on a city platform.",
    )
    install_http_plumbing(app)
    install_authentication(app, verifier)

    @app.post(
        "/v1/completions",
        status_code=status.HTTP_201_CREATED,
        responses={
            200: {
                "description": "Already recorded with the same facts (idempotent retry).",
                "model": CompletionOut,
            },
            **problem_responses(409),
        },
    )
    def record_completion(
        body: CompletionIn, request: Request, response: Response, principal: CurrentPrincipal
    ) -> CompletionOut:
        add_log_context(request, person_id=str(body.person_id))
        require_role(principal, _RECORDERS)
        # A professional only for their own person id; the province admin for anyone.
        authorize_write(principal, ResourceScope(person_id=body.person_id))
        recorded_by_the_person = principal.role is Role.PROFESSIONAL
        try:
            result = learning.record_completion(
                RecordCompletion(
                    person_id=body.person_id,
                    course_id=body.course_id,
                    study_year=body.study_year,
                    subject=body.subject,
                    hours=body.hours,
                    region_code=body.region_code,
                    completed_at=body.completed_at,
                    correlation_id=getattr(request.state, "correlation_id", None),
                    organisation_ids=(
                        principal.organisation_ids if recorded_by_the_person else frozenset()
                    ),
                    registration_region_code=(
                        principal.region_code if recorded_by_the_person else None
                    ),
                )
            )
        except InvalidCompletionError as error:
            raise ProblemError(
                422,
                "Invalid completion",
                str(error),
                extra={"errors": [{"field": error.field, "message": error.message}]},
            ) from error
        except ConflictingCompletionError as error:
            raise ProblemError(409, "Conflicting completion", str(error)) from error
        response.headers["Location"] = f"/v1/completions/{result.completion_id}"
        if not result.created:
            response.status_code = status.HTTP_200_OK
        return CompletionOut.of(result.completion)

    @app.get("/v1/completions/{completion_id}")
    def get_completion(
        completion_id: UUID, request: Request, principal: CurrentPrincipal
    ) -> CompletionOut:
        completion = learning.get_completion(completion_id)
        if completion is None:
            raise ProblemError(404, "Not found", f"no completion {completion_id}")
        add_log_context(request, person_id=str(completion.person_id))
        # Recorded by an administrator (or before recorders were kept): no region and no
        # organisation, so only the person and the province-wide roles may read it.
        authorize_read(
            principal,
            ResourceScope(
                person_id=completion.person_id,
                region_code=completion.registration_region_code,
                organisation_ids=frozenset(completion.organisation_ids),
            ),
        )
        return CompletionOut.of(completion)

    return app


def main() -> None:
    from hourbank_learning.bootstrap import build_learning_application

    settings = LearningApiSettings()
    configure_logging("learning-api", settings.log_level, json=settings.log_json)
    app = create_app(build_learning_application(settings), verifier=settings.verifier())
    add_readiness_check(
        app, "postgresql", database_answers(settings.database_url.get_secret_value())
    )
    serve(app, host=settings.http_host, port=settings.http_port)


if __name__ == "__main__":
    main()
