"""A deterministic mix of public events for a province's ledger, and the rows they project to.

The same seed and sizes give the same records in every process, so a baseline that runs in
its own process (the raw PostgreSQL write) rebuilds exactly the rows the subject writes
without shipping them around.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from hourbank_contracts import (
    ClaimApprovedV1,
    ClaimCategory,
    CompletionVoidedV1,
    CourseCompletedV1,
    Envelope,
    ExamMode,
    ExamPassedV1,
    HoursTransferredInV1,
    KafkaRecord,
    LegacyHoursImportedV1,
    MakeupPaidV1,
    PersonYearEvent,
    Subject,
    XuexiPointsRecordedV1,
    envelope_for,
    event_id_for,
    to_kafka,
)
from hourbank_ledger.application.contract_facts import fact_from
from hourbank_ledger.domain.fact_codec import encode_fact

# The two region-years that have a policy file, so every person can also be queried.
ZAOZHUANG_2024 = ("370400", 2024)
ZIBO_2020 = ("370300", 2020)
SOURCE = "/hourbank/bench"
# Share of records that are a re-publication of an earlier record (same ce_id), as a relay
# does after a crash: they must not add rows.
DUPLICATE_SHARE = 0.02


@dataclass(frozen=True)
class Workload:
    events: int
    persons: int
    seed: int = 5

    def person_ids(self) -> list[UUID]:
        rng = random.Random(f"{self.seed}:persons")  # noqa: S311 - a reproducible workload, not a secret
        return [UUID(int=rng.getrandbits(128), version=4) for _ in range(self.persons)]

    def region_year(self, person_index: int) -> tuple[str, int]:
        # One person in five is a Zibo professional; the rest are in Zaozhuang.
        return ZIBO_2020 if person_index % 5 == 0 else ZAOZHUANG_2024

    def envelopes(self) -> Iterator[Envelope]:
        """``events`` envelopes in publication order, duplicates included."""
        rng = random.Random(f"{self.seed}:events")  # noqa: S311 - a reproducible workload, not a secret
        persons = self.person_ids()
        published: list[Envelope] = []
        # Completions that a later voiding may undo, per person index.
        completions: dict[int, str] = {}
        for number in range(self.events):
            if published and rng.random() < DUPLICATE_SHARE:
                yield published[rng.randrange(len(published))]
                continue
            index = number % self.persons if number < self.persons else rng.randrange(self.persons)
            person = persons[index]
            region, year = self.region_year(index)
            data = _event(rng, number, person, region, year, completions.get(index))
            envelope = envelope_for(
                data,
                source=SOURCE,
                event_id=event_id_for(SOURCE, person, number),
                time=data.occurred_at,
            )
            if isinstance(data, CourseCompletedV1):
                completions[index] = envelope.id
            published.append(envelope)
            yield envelope

    def records(self) -> list[KafkaRecord]:
        return [to_kafka(envelope) for envelope in self.envelopes()]

    def rows(self) -> list[tuple[Any, ...]]:
        """The read-model rows (``ledger_facts`` columns) the events project to, once each."""
        recorded_at = datetime.now(UTC)
        rows: dict[str, tuple[Any, ...]] = {}
        for envelope in self.envelopes():
            fact = fact_from(envelope)
            if fact is None or envelope.id in rows:
                continue
            data = envelope.data
            assert isinstance(data, PersonYearEvent)  # every event of this workload is one
            rows[envelope.id] = (
                envelope.id,
                data.person_id,
                data.study_year,
                data.region_code,
                envelope.type,
                envelope.source,
                recorded_at,
                encode_fact(fact),
            )
        return list(rows.values())

    def distinct_facts(self) -> int:
        return len({envelope.id for envelope in self.envelopes() if fact_from(envelope)})


def _event(
    rng: random.Random,
    number: int,
    person: UUID,
    region: str,
    year: int,
    earlier_completion: str | None,
) -> PersonYearEvent:
    occurred = datetime(year, 1, 2, tzinfo=UTC) + timedelta(minutes=rng.randrange(500_000))
    common: dict[str, Any] = {
        "person_id": person,
        "region_code": region,
        "study_year": year,
        "source_ref": f"bench:{number}",
        "occurred_at": occurred,
    }
    subject = Subject.PUBLIC if rng.random() < 0.35 else Subject.PROFESSIONAL
    hours = Decimal(rng.choice(["1", "1.5", "2", "2.5", "4", "8"]))
    roll = rng.random()
    # Mostly platform courses, as on a real platform; then exams, claims, migrations.
    if roll < 0.50:
        return CourseCompletedV1(
            **common, subject=subject, hours=hours, course_id=f"C-{number % 997}"
        )
    if roll < 0.65:
        return ExamPassedV1(
            **common,
            subject=subject,
            hours=hours,
            exam_id=f"E-{number % 31}",
            exam_mode=ExamMode.ONLINE,
        )
    if roll < 0.75:
        days = rng.randrange(1, 4)
        return ClaimApprovedV1(
            **common,
            subject=Subject.PROFESSIONAL,
            hours=Decimal(days * 8),
            claim_id=f"CL-{number}",
            category=ClaimCategory.TRAINING,
            days=days,
        )
    if roll < 0.80:
        return LegacyHoursImportedV1(
            **common,
            subject=subject,
            hours=hours,
            import_batch_id="legacy-1",
            legacy_record_ref=f"L-{number}",
        )
    if roll < 0.85:
        return HoursTransferredInV1(
            **common,
            subject=subject,
            hours=hours,
            from_region_code="110000",
            certificate_ref=f"T-{number}",
        )
    if roll < 0.90:
        return XuexiPointsRecordedV1(**common, points=rng.randrange(0, 4000))
    if roll < 0.95 and earlier_completion is not None:
        return CompletionVoidedV1(
            **common,
            reverses_event_id=earlier_completion,
            reason="recorded in error",
            course_id="C-voided",
        )
    return MakeupPaidV1(
        **{**common, "study_year": year - 1}, payment_id=f"P-{number}", amount=Decimal("50")
    )
