from __future__ import annotations

import io
from datetime import UTC, datetime
from uuid import uuid4

from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient
from pypdf import PdfReader

from hourbank_ledger.application.directory import InMemoryPersonDirectory
from hourbank_ledger.application.queries import HourBankQueries
from hourbank_ledger.application.read_model import FactRow
from hourbank_ledger.application.statements import Statements
from hourbank_ledger.domain.fact_codec import encode_fact
from hourbank_ledger.domain.policy import Reversal, ReversalKind, Subject
from hourbank_ledger.entrypoints.http import create_app
from services.ledger.tests.unit.test_http import ZAOZHUANG, Bank
from tests.support.auth import VERIFIER, bearer, title_client

KEY = b"k" * 32
AS_OF = "2024-12-31T12:00:00+00:00"


def client(bank: Bank, *, with_statements: bool = True) -> TestClient:
    queries = HourBankQueries(bank.view, default_region=ZAOZHUANG)
    statements = Statements(queries, KEY) if with_statements else None
    app = create_app(queries, statements, directory=InMemoryPersonDirectory(), verifier=VERIFIER)
    return TestClient(app, headers=bearer(title_client()))


def revoke(bank: Bank, person, entry_id: str, when: datetime) -> None:  # type: ignore[no-untyped-def]
    bank.position += 1
    reversal = Reversal(
        entry_id=f"rev-{bank.position}",
        reverses_entry_id=entry_id,
        kind=ReversalKind.COMPLETION_VOIDED,
        occurred_at=when,
    )
    bank.view.add_facts(
        [
            FactRow(
                entry_id=reversal.entry_id,
                person_id=person,
                study_year=2024,
                region_code=ZAOZHUANG,
                event_type="hourbank.learning.course-completion.voided.v1",
                source="/hourbank/learning",
                recorded_at=when,
                fact=encode_fact(reversal),
            )
        ],
        Tracking("ledger", bank.position),
    )


def test_statement_pdf_in_chinese_verifies_until_hours_are_reduced() -> None:
    bank = Bank()
    person = uuid4()
    bank.course(person, Subject.PUBLIC, "30", when=datetime(2024, 3, 1, tzinfo=UTC))
    course = bank.course(person, Subject.PROFESSIONAL, "60", when=datetime(2024, 4, 1, tzinfo=UTC))
    api = client(bank)

    response = api.get(f"/v1/persons/{person}/years/2024/statement.pdf", params={"as_of": AS_OF})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    code = response.headers["X-Verification-Code"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "继续教育学时年度证明" in text
    assert "达标" in text
    assert "公需科目" in text
    assert code in text

    verify = {"code": code, "person_id": str(person), "study_year": 2024, "as_of": AS_OF}
    assert api.get("/v1/statements/verify", params=verify).json() == {
        "authentic": True,
        "current": True,
    }
    # A forged or mistyped code is not authentic.
    forged = {**verify, "code": "AAAA-BBBB-CCCC-DDDD"}
    assert api.get("/v1/statements/verify", params=forged).json()["authentic"] is False
    # The professional course is voided later: the statement was true, but no longer is.
    revoke(bank, person, course, datetime(2025, 2, 1, tzinfo=UTC))
    assert api.get("/v1/statements/verify", params=verify).json() == {
        "authentic": True,
        "current": False,
    }


def test_statements_without_a_signing_key_are_a_clear_503() -> None:
    response = client(Bank(), with_statements=False).get(
        f"/v1/persons/{uuid4()}/years/2024/statement.pdf"
    )
    assert response.status_code == 503
    assert "STATEMENT_SIGNING_KEY" in response.json()["detail"]
