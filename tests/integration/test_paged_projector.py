"""The projector's paged loop and its wake-up on PostgreSQL."""

from __future__ import annotations

from uuid import uuid4

from eventsourcing.postgres import PostgresApplicationRecorder
from pydantic import SecretStr

from hourbank_common.settings import PostgresSettings
from hourbank_ledger.adapters.postgres_wakeup import listening_to
from hourbank_ledger.application.ledger import KafkaPosition, Ledger
from hourbank_ledger.bootstrap import build_ledger, build_projector, build_view
from services.ledger.tests.batches import apply_one
from services.ledger.tests.unit.test_ledger import completion


def _record(ledger: Ledger, count: int, first_offset: int) -> None:
    person = uuid4()
    for number in range(count):
        apply_one(
            ledger,
            completion(person, "1", version=number + 1),
            KafkaPosition("it.paged", 0, first_offset + number),
        )


def test_a_recorded_event_wakes_the_projector_and_pages_project_it(
    database_url: str, schema: str
) -> None:
    settings = PostgresSettings(database_url=SecretStr(database_url), database_schema=schema)
    ledger = build_ledger(settings)
    projector = build_projector(settings)
    recorder = projector.ledger.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    with listening_to(recorder) as wakeup:
        assert projector.run_once() == 0
        assert wakeup.wait(0.05) is False  # nothing recorded: the wait times out
        _record(ledger, 5, first_offset=0)
        # The notification sent by the ledger's transaction ends the wait at once.
        assert wakeup.wait(10) is True
        assert projector.run_once() == 5
        assert wakeup.wait(0.05) is False  # every queued notification was consumed
    newest = recorder.max_notification_id()
    # The directory saw no registration, yet its position is at the newest event too.
    assert projector.positions() == {"ledger_read_model": newest, "ledger_directory": newest}
    person_rows = build_view(settings).max_tracking_id(Ledger.name)
    assert person_rows == newest


def test_pages_on_postgresql_cover_every_fact_across_page_boundaries(
    database_url: str, schema: str
) -> None:
    settings = PostgresSettings(database_url=SecretStr(database_url), database_schema=schema)
    ledger = build_ledger(settings)
    for batch in range(469):  # 2,345 facts, 5 per person
        _record(ledger, 5, first_offset=batch * 5)
    projector = build_projector(settings)
    assert projector.run_once() == 2_345
    view = build_view(settings)
    with view.datastore.get_connection() as conn, conn.cursor() as curs:
        curs.execute(
            f'SELECT count(*) AS n, count(DISTINCT entry_id) AS d FROM "{schema}".ledger_facts'
        )
        counted = curs.fetchone()
    assert counted == {"n": 2_345, "d": 2_345}
