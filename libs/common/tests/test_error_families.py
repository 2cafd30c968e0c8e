"""Each error family is answered by its one problem handler; a subclass may word its
problem more precisely without a handler of its own."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hourbank_common import errors
from hourbank_common.http import PROBLEM_JSON, install_http_plumbing, problem_for


class UnknownThing(errors.NotFound):
    """A subclass that keeps its family's wording."""


class NoSuchRules(errors.InvalidInput):
    problem_title = "No rules apply"
    problem_type = "about:blank"


class PrefixedDetail(errors.InvalidInput):
    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class ManyRefused(errors.Forbidden):
    def problem_errors(self) -> list[dict[str, str]]:
        return [
            {"field": "ids", "id": "a", "message": "no"},
            {"field": "ids", "id": "b", "message": "no"},
        ]


@pytest.mark.parametrize(
    ("error", "status", "kind"),
    [
        (errors.InvalidInput("bad", "year"), 422, "validation"),
        (UnknownThing("none"), 404, "not-found"),
        (errors.Conflict("taken"), 409, "conflict"),
        (errors.Forbidden("no"), 403, "forbidden"),
        (errors.PaymentRequired("pay"), 402, "payment-required"),
        (errors.InvalidCredentials("who"), 401, "invalid-credentials"),
        (errors.Throttled("slow", 7), 429, "throttled"),
        (errors.Unavailable("down"), 503, "unavailable"),
    ],
)
def test_the_family_decides_status_and_type(
    error: errors.ServiceError, status: int, kind: str
) -> None:
    problem = problem_for(error)
    assert problem.status == status
    assert problem.type_ == f"https://hourbank.example/problems/{kind}"
    assert problem.detail == error.message


def test_a_subclass_may_word_title_and_type() -> None:
    problem = problem_for(NoSuchRules("no policy for 2019", "study_year"))
    assert (problem.status, problem.title, problem.type_) == (422, "No rules apply", "about:blank")
    assert problem.extra == {"errors": [{"field": "study_year", "message": "no policy for 2019"}]}


def test_the_detail_is_the_errors_text_and_the_field_errors_keep_the_message() -> None:
    problem = problem_for(PrefixedDetail("must be 2025", "study_year"))
    assert problem.detail == "study_year: must be 2025"
    assert problem.extra == {"errors": [{"field": "study_year", "message": "must be 2025"}]}


def test_a_subclass_may_name_several_field_errors() -> None:
    problem = problem_for(ManyRefused("2 refused"))
    assert problem.status == 403
    assert [entry["id"] for entry in problem.extra["errors"]] == ["a", "b"]


def test_retry_after_is_sent_when_the_error_knows_it() -> None:
    assert problem_for(errors.Throttled("slow", 7)).headers == {"Retry-After": "7"}
    assert problem_for(errors.Unavailable("down", 5)).headers == {"Retry-After": "5"}
    assert problem_for(errors.Unavailable("off")).headers == {}


def test_a_subclass_raised_in_an_endpoint_is_answered_by_its_familys_handler() -> None:
    app = FastAPI()
    install_http_plumbing(app)

    @app.get("/v1/rules")
    def rules() -> None:
        raise NoSuchRules("no policy for 2019", "study_year")

    response = TestClient(app).get("/v1/rules")
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json() == {
        "type": "about:blank",
        "title": "No rules apply",
        "status": 422,
        "detail": "no policy for 2019",
        "instance": "/v1/rules",
        "errors": [{"field": "study_year", "message": "no policy for 2019"}],
    }
