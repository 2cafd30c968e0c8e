"""The checked-in OpenAPI documents match what the services' apps declare."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.openapi import OUT, SERVICES, render

REGENERATE = "run `uv run python scripts/openapi.py --write`"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_openapi_document_has_not_drifted(service: str) -> None:
    path = OUT / f"{service}.json"
    assert path.exists(), f"missing {path}: {REGENERATE}"
    assert path.read_text(encoding="utf-8") == render(service), (
        f"{path.name} drifted from the code: {REGENERATE}"
    )


def _document(service: str) -> dict[str, object]:
    document: dict[str, object] = json.loads((OUT / f"{service}.json").read_text("utf-8"))
    return document


def test_the_ledger_documents_its_queries_and_statements() -> None:
    paths = _document("ledger")["paths"]
    assert isinstance(paths, dict)
    assert set(paths) == {
        "/v1/persons/{person_id}/years/{study_year}/hours",
        "/v1/hours/batch",
        "/v1/persons/{person_id}/years/{study_year}/application-check",
        "/v1/persons/{person_id}/years/{study_year}/statement.pdf",
        "/v1/statements/verify",
    }


def test_the_learning_document_records_and_reads_completions() -> None:
    paths = _document("learning")["paths"]
    assert isinstance(paths, dict)
    assert set(paths) == {"/v1/completions", "/v1/completions/{completion_id}"}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_probes_and_metrics_are_not_documented(service: str) -> None:
    paths = _document(service)["paths"]
    assert isinstance(paths, dict)
    assert not {"/healthz", "/readyz", "/metrics"} & set(paths)


def test_no_document_names_a_national_id_in_a_path_or_query() -> None:
    """ID numbers travel only in request bodies, never in a URL."""
    for path in Path(OUT).glob("*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        for template, item in document["paths"].items():
            assert "id_number" not in template, f"{path.name}: {template}"
            for operation in item.values():
                for parameter in operation.get("parameters", []):
                    assert "id_number" not in parameter["name"], f"{path.name}: {template}"
