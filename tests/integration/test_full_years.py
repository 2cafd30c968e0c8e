"""A full Zibo 2020 year and a full Zaozhuang 2024 year through real Kafka: the ledger's
answer equals the policy engine's evaluation of the same facts, and matches the notices."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from hourbank_contracts import (
    ClaimApprovedV1,
    ClaimCategory,
    ClaimRevokedV1,
    ContractEvent,
    CourseCompletedV1,
    Envelope,
    ExamMode,
    ExamPassedV1,
    ReversalEvent,
    Subject,
    XuexiPointsRecordedV1,
    envelope_for,
    to_kafka,
)
from hourbank_ledger.application.contract_facts import fact_from
from hourbank_ledger.domain.policy import PersonYear, evaluate, load_policy
from tests.support.auth import bearer, title_client
from tests.support.kafka_io import create_env_topics, produce
from tests.support.processes import ServiceProcess, free_port
from tests.support.waiting import wait_until

AS_OF = "2025-06-30T00:00:00Z"


def at(year: int, month: int) -> datetime:
    return datetime(year, month, 10, 2, tzinfo=UTC)


class Year:
    def __init__(self, person: UUID, region: str, year: int) -> None:
        self.person, self.region, self.year = person, region, year
        self.envelopes: list[Envelope] = []

    def add(self, event_id: str, model: type[ContractEvent], **fields: Any) -> None:
        data = model(
            person_id=self.person,
            region_code=self.region,
            study_year=self.year,
            source_ref=event_id,
            **fields,
        )
        self.envelopes.append(envelope_for(data, source="/hourbank/test", event_id=event_id))

    def course(self, event_id: str, subject: Subject, hours: str, month: int) -> None:
        self.add(
            event_id,
            CourseCompletedV1,
            subject=subject,
            hours=Decimal(hours),
            occurred_at=at(self.year, month),
            course_id=event_id,
        )

    def claim(self, event_id: str, category: ClaimCategory, hours: str, **quantities: Any) -> None:
        self.add(
            event_id,
            ClaimApprovedV1,
            subject=Subject.PROFESSIONAL,
            hours=Decimal(hours),
            occurred_at=at(self.year, 7),
            claim_id=event_id,
            category=category,
            **quantities,
        )


def zibo_2020(person: UUID) -> Year:
    year = Year(person, "370300", 2020)
    year.course("zb-public-compulsory", Subject.PUBLIC, "20", 4)
    year.add(
        "zb-public-exam",
        ExamPassedV1,
        subject=Subject.PUBLIC,
        hours=Decimal(10),
        occurred_at=at(2020, 6),
        exam_id="E2020",
        exam_mode=ExamMode.ONLINE,
    )
    year.course("zb-professional-platform", Subject.PROFESSIONAL, "25", 5)
    year.claim("zb-training", ClaimCategory.TRAINING, "30", days=3)  # 8 h/day → 24
    year.claim("zb-paper", ClaimCategory.PAPER, "10", items=1, cn="CN37-1001/R", issn="1000-0001")
    year.claim("zb-book-no-isbn", ClaimCategory.BOOK, "10", items=1)  # refused: no ISBN
    year.claim("zb-patent", ClaimCategory.PATENT, "20", items=2)
    year.claim("zb-award", ClaimCategory.RESEARCH_AWARD, "10", items=1)
    year.add(
        "zb-award-revoked",
        ClaimRevokedV1,
        occurred_at=at(2020, 8),
        claim_id="zb-award",
        reverses_event_id="zb-award",
        reason="evidence withdrawn",
    )
    year.add("zb-xuexi", XuexiPointsRecordedV1, occurred_at=at(2020, 12), points=2500)
    return year


def zaozhuang_2024(person: UUID) -> Year:
    year = Year(person, "370400", 2024)
    year.course("zz-public", Subject.PUBLIC, "30", 3)
    year.course("zz-professional", Subject.PROFESSIONAL, "24", 4)
    year.claim("zz-paper", ClaimCategory.PAPER, "10", items=1)
    year.claim("zz-patent", ClaimCategory.PATENT, "20", items=2)
    year.claim("zz-award", ClaimCategory.RESEARCH_AWARD, "10", items=1)  # results capped at 30
    year.claim("zz-training", ClaimCategory.TRAINING, "20", days=2)  # 8 h/day → 16
    year.claim("zz-competitions", ClaimCategory.COMPETITION, "40", items=4)  # cap 30
    return year


def engine_answer(year: Year) -> dict[str, Any]:
    policy = load_policy(year.region, year.year)
    facts = [fact for envelope in year.envelopes if (fact := fact_from(envelope))]
    evaluation = evaluate(
        PersonYear.of(year.region, year.year, facts),
        policy,
        as_of=datetime.fromisoformat(AS_OF),
    )
    return {
        "compliant": evaluation.compliant,
        "reasons": list(evaluation.reasons),
        "credited": {s.value: t.credited for s, t in evaluation.by_subject.items()},
        "statuses": {e.entry_id: e.status.value for e in evaluation.entries},
    }


@pytest.mark.parametrize(
    ("build", "credited", "statuses"),
    [
        (
            zibo_2020,
            {"public": Decimal(40), "professional": Decimal(65)},
            {"zb-book-no-isbn": "refused", "zb-award": "reversed", "zb-training": "capped"},
        ),
        (
            zaozhuang_2024,
            {"public": Decimal(30), "professional": Decimal(100)},
            # The cap cuts the last in (occurred_at, entry_id) order: zz-patent, not zz-award.
            {"zz-patent": "capped", "zz-training": "capped", "zz-competitions": "capped"},
        ),
    ],
    ids=["zibo-2020", "zaozhuang-2024"],
)
def test_a_full_year_through_kafka_matches_the_engine_and_the_notice(
    build: Any,
    credited: dict[str, Decimal],
    statuses: dict[str, str],
    ledger_env: dict[str, str],
    kafka_bootstrap: str,
) -> None:
    year: Year = build(uuid4())
    topic = json.loads(ledger_env["LEDGER_TOPICS"])[0]
    asyncio.run(create_env_topics(kafka_bootstrap, ledger_env))
    # Every event twice and in reverse order: the answer may depend on neither.
    records = [to_kafka(e) for e in reversed(year.envelopes)]
    asyncio.run(produce(kafka_bootstrap, topic, records + records))

    port = free_port()
    provincial_api = {**ledger_env, "HTTP_PORT": str(port), "LEDGER_REGION_CODE": ""}
    processes = [
        ServiceProcess("consumer", "hourbank_ledger.entrypoints.consumer", ledger_env),
        ServiceProcess("projector", "hourbank_ledger.entrypoints.projector", ledger_env),
        ServiceProcess("ledger-api", "hourbank_ledger.entrypoints.http", provincial_api),
    ]
    for process in processes:
        process.start()
    url = f"http://127.0.0.1:{port}"
    query = f"{url}/v1/persons/{year.person}/years/{year.year}/hours"
    params = {"region": year.region, "as_of": AS_OF}
    as_title_client = bearer(title_client())
    try:
        processes[2].wait_healthy(url)

        def all_entries() -> dict[str, Any] | None:
            for process in processes:
                process.assert_running()
            body: dict[str, Any] = httpx.get(
                query, params=params, headers=as_title_client, timeout=5
            ).json()
            return body if body.get("page", {}).get("total") == entries else None

        # Every fact but a reversal is an entry; a reversal marks its target instead.
        entries = sum(not isinstance(e.data, ReversalEvent) for e in year.envelopes)
        body = wait_until(all_entries, timeout=60, what="every fact in the ledger answer")
    finally:
        for process in processes:
            process.stop()

    expected = engine_answer(year)
    assert body["compliant"] is expected["compliant"] is True
    assert body["reasons"] == expected["reasons"]
    for subject, hours in credited.items():
        assert Decimal(body["hours_by_subject"][subject]["credited"]) == hours
        assert expected["credited"][subject] == hours
    by_id = {entry["entry_id"]: entry for entry in body["entries"]}
    assert {e: entry["status"] for e, entry in by_id.items()} == expected["statuses"]
    for entry_id, status in statuses.items():
        assert by_id[entry_id]["status"] == status, by_id[entry_id]
        assert by_id[entry_id]["reason"]  # never silently dropped: the reason is given
    assert {entry["region_code"] for entry in body["entries"]} == {year.region}
