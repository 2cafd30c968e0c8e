"""A completion posted over HTTP appears in the ledger query (all five processes)."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import httpx

from tests.support.auth import bearer, professional, title_client
from tests.support.kafka_io import create_env_topics
from tests.support.processes import ServiceProcess, free_port
from tests.support.waiting import wait_until


def test_a_completion_posted_over_http_appears_in_the_ledger_query(
    ledger_env: dict[str, str], kafka_bootstrap: str
) -> None:
    learning_port, ledger_port = free_port(), free_port()
    asyncio.run(create_env_topics(kafka_bootstrap, ledger_env))
    processes = [
        ServiceProcess(
            "learning-api",
            "hourbank_learning.entrypoints.http",
            {**ledger_env, "HTTP_PORT": str(learning_port)},
        ),
        ServiceProcess("relay", "hourbank_learning.entrypoints.relay", ledger_env),
        ServiceProcess("consumer", "hourbank_ledger.entrypoints.consumer", ledger_env),
        ServiceProcess("projector", "hourbank_ledger.entrypoints.projector", ledger_env),
        ServiceProcess(
            "ledger-api",
            "hourbank_ledger.entrypoints.http",
            {**ledger_env, "HTTP_PORT": str(ledger_port), "LEDGER_REGION_CODE": "370400"},
        ),
    ]
    learning_url = f"http://127.0.0.1:{learning_port}"
    ledger_url = f"http://127.0.0.1:{ledger_port}"
    for process in processes:
        process.start()
    try:
        processes[0].wait_healthy(learning_url)
        processes[4].wait_healthy(ledger_url)
        person = uuid4()
        posted = httpx.post(
            f"{learning_url}/v1/completions",
            json={
                "person_id": str(person),
                "course_id": "GX-2024-007",
                "study_year": 2024,
                "subject": "public",
                "hours": "2.5",
                "region_code": "370400",
                "completed_at": "2024-09-10T10:00:00+08:00",
            },
            headers=bearer(professional(person, "370402", ("employer-1",))),
            timeout=10,
        )
        assert posted.status_code == 201, posted.text
        query = f"{ledger_url}/v1/persons/{person}/years/2024/hours"
        as_title_client = bearer(title_client())

        def credited() -> dict[str, object] | None:
            for process in processes:
                process.assert_running()
            body: dict[str, object] = httpx.get(query, headers=as_title_client, timeout=5).json()
            return body if body["entries"] else None

        body = wait_until(credited, timeout=30, what="the completion in the ledger query")
    finally:
        for process in processes:
            process.stop()
    assert body["hours_by_subject"] == {  # Zaozhuang 2024 rules, applied by the ledger
        "public": {"raw": "2.5", "credited": "2.5"},
        "professional": {"raw": "0", "credited": "0"},
    }
    assert body["compliant"] is False
    assert "public 2.5/30: 27.5 hours short" in body["reasons"]
    entries = body["entries"]
    assert isinstance(entries, list)
    assert len(entries) == 1
    assert entries[0]["kind"] == "platform_course"
    assert entries[0]["region_code"] == "370400"
    assert entries[0]["status"] == "credited"
    assert entries[0]["entry_id"]  # the source event id (ce_id)
