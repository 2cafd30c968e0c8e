"""The checked-in AsyncAPI documents match what the services' brokers declare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.asyncapi import OUT, SERVICES, render


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_asyncapi_document_has_not_drifted(service: str) -> None:
    path = OUT / f"{service}.json"
    assert path.exists(), f"missing {path}: run `uv run python scripts/asyncapi.py --write`"
    assert path.read_text(encoding="utf-8") == render(service), (
        f"{path.name} drifted from the code: run `uv run python scripts/asyncapi.py --write`"
    )


def test_learning_document_publishes_the_course_completed_contract() -> None:
    document = json.loads((OUT / "learning.json").read_text(encoding="utf-8"))
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {"hourbank.learning.events"}
    hours = document["components"]["schemas"]["CourseCompletedV1"]["properties"]["hours"]
    assert hours["type"] == "string"  # hours are never a JSON number on the wire


def test_identity_document_publishes_its_four_contracts_on_its_topic() -> None:
    document = json.loads((OUT / "identity.json").read_text(encoding="utf-8"))
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {"hourbank.identity.events"}
    assert {operation["action"] for operation in document["operations"].values()} == {"send"}
    assert {
        "OrganisationRegisteredV1",
        "EmployerApprovedV1",
        "PersonRegisteredV1",
        "LegacyHoursImportedV1",
    } <= set(document["components"]["schemas"])
    hours = document["components"]["schemas"]["LegacyHoursImportedV1"]["properties"]["hours"]
    assert hours["type"] == "string"  # migrated hours are never a JSON number either


def test_ledger_document_lists_its_topics_and_dead_letter_channel() -> None:
    document = json.loads((OUT / "ledger.json").read_text(encoding="utf-8"))
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert {
        "hourbank.learning.events",
        "hourbank.exam.events",
        "hourbank.billing.events",
        "hourbank.recognition.events",
        "hourbank.identity.events",
        "hourbank.ledger.dead-letter",
    } <= addresses


def test_no_document_names_a_national_id_field() -> None:
    for path in Path(OUT).glob("*.json"):
        text = path.read_text(encoding="utf-8").lower()
        for forbidden in ("id_number", "id_card", "national_id", "sfz"):
            assert forbidden not in text, f"{path.name} mentions {forbidden}"
