from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest

from hourbank_contracts import (
    ClaimApprovedV1,
    ClaimCategory,
    ClaimRevokedV1,
    CourseCompletedV1,
    Subject,
    envelope_for,
)
from hourbank_ledger.application.ledger import KafkaPosition, Ledger
from hourbank_ledger.application.read_model import InMemoryHourBankView
from hourbank_ledger.application.rebuild import rebuild_read_model
from hourbank_ledger.entrypoints.whatif import main as whatif
from services.ledger.tests.batches import apply_one

EXAMPLE = Path(__file__).resolve().parents[4] / "docs" / "examples" / "zaozhuang-2024.json"


def test_whatif_prints_totals_verdict_and_capped_entries(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = whatif(["--policy", "370400-2024", "--as-of", "2024-12-31T23:59:59+08:00", str(EXAMPLE)])
    out = capsys.readouterr().out
    assert code == 0
    assert "verdict: COMPLIANT" in out
    assert "professional 70/60: met" in out
    assert "yearly cap of 30 hours" in out  # award-1 is capped by representative results


def test_whatif_short_year_exits_1_and_names_the_shortfall(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document["facts"] = [f for f in document["facts"] if f["subject"] == "professional"]
    path = tmp_path / "short.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert whatif(["--policy", "370400-2024", "--as-of", "2025-01-01T00:00:00Z", str(path)]) == 1
    assert "public 0/30: 30 hours short" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy", "370500-2024"], "no continuing-education policy for region 370500"),
        (["--policy", "zaozhuang"], "--policy must look like 370400-2024"),
        (["--policy", "370400-2024", "--as-of", "2024-12-31T00:00:00"], "needs a time zone"),
    ],
)
def test_whatif_bad_input_is_a_clear_error(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert whatif([*args, str(EXAMPLE)]) == 2
    assert message in capsys.readouterr().err


def test_rebuild_gives_the_same_read_model() -> None:
    ledger = Ledger()
    person = uuid4()
    occurred = datetime(2024, 5, 1, tzinfo=UTC)
    course = CourseCompletedV1(
        person_id=person,
        region_code="370400",
        study_year=2024,
        subject=Subject.PUBLIC,
        hours=Decimal(12),
        source_ref="completion:1",
        occurred_at=occurred,
        course_id="C1",
    )
    claim = ClaimApprovedV1(
        person_id=person,
        region_code="370400",
        study_year=2024,
        subject=Subject.PROFESSIONAL,
        hours=Decimal(10),
        source_ref="claim:1",
        occurred_at=occurred,
        claim_id="K1",
        category=ClaimCategory.PAPER,
        items=1,
    )
    claim_envelope = envelope_for(claim, source="/hourbank/recognition", event_id="ce-claim")
    revoked = ClaimRevokedV1(
        person_id=person,
        region_code="370400",
        study_year=2024,
        source_ref="claim:1",
        occurred_at=occurred,
        claim_id="K1",
        reverses_event_id="ce-claim",
        reason="fraud",
    )
    for offset, envelope in enumerate(
        [
            envelope_for(course, source="/hourbank/learning", event_id="ce-course"),
            claim_envelope,
            envelope_for(revoked, source="/hourbank/recognition", event_id="ce-revoked"),
        ]
    ):
        apply_one(ledger, envelope, KafkaPosition("t", 0, offset))
    live = InMemoryHourBankView()
    assert rebuild_read_model(ledger, live) == 3
    again = InMemoryHourBankView()
    rebuild_read_model(ledger, again)
    rebuild_read_model(ledger, again)  # a second rebuild of the same view starts clean
    assert again.facts_for([person], 2024) == live.facts_for([person], 2024)
    assert again.max_tracking_id(ledger.name) == live.max_tracking_id(ledger.name)
    assert sorted(r.entry_id for r in live.facts_for([person], 2024)[person]) == [
        "ce-claim",
        "ce-course",
        "ce-revoked",
    ]
