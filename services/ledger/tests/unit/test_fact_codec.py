"""Facts to and from the plain dicts the hour bank stores: the shared Subject, and facts
stored before it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from hourbank_contracts.vocabulary import Subject as SharedSubject
from hourbank_ledger.domain.fact_codec import decode_fact, encode_fact
from hourbank_ledger.domain.policy import Credit, CreditKind, Subject


def credit(subject: Subject) -> Credit:
    return Credit(
        entry_id="ce-1",
        kind=CreditKind.PLATFORM_COURSE,
        subject=subject,
        hours=Decimal("2.5"),
        region_code="370400",
        study_year=2024,
        occurred_at=datetime(2024, 3, 1, tzinfo=UTC),
    )


def test_the_policys_subject_is_the_shared_one() -> None:
    assert Subject is SharedSubject


def test_a_fact_is_stored_with_the_subjects_plain_value_and_reads_back_the_same() -> None:
    record = encode_fact(credit(Subject.PROFESSIONAL))
    assert type(record["subject"]) is str
    assert record["subject"] == "professional"
    decoded = decode_fact(json.loads(json.dumps(record)))
    assert decoded == credit(Subject.PROFESSIONAL)
    assert isinstance(decoded, Credit)
    assert decoded.subject is SharedSubject.PROFESSIONAL


def test_a_fact_stored_under_the_former_subject_enum_reads_as_the_shared_one() -> None:
    """The ledger once had its own ``Subject`` with the same values; whatever stored it (the
    codec's ``.value``, or eventsourcing's JSON transcoder, which writes a StrEnum as its
    string) left "public" in the stored event."""

    class FormerSubject(StrEnum):
        PUBLIC = "public"
        PROFESSIONAL = "professional"

    record = encode_fact(credit(Subject.PUBLIC))
    record["subject"] = FormerSubject.PUBLIC
    stored = json.loads(json.dumps(record))
    assert stored["subject"] == "public"
    decoded = decode_fact(stored)
    assert isinstance(decoded, Credit)
    assert decoded.subject is SharedSubject.PUBLIC
