"""The ledger's composition root on in-memory persistence: the region of the settings reaches
the ledger's intake, and the projector writes the views the API reads."""

from __future__ import annotations

from uuid import uuid4

from hourbank_common.persistence import Persistence
from hourbank_ledger.application.ledger import KafkaPosition, Outcome
from hourbank_ledger.bootstrap import LedgerService, bootstrap
from hourbank_ledger.config import LedgerRegionSettings
from hourbank_ledger.domain.intake import Refusal, RefusalReason
from services.ledger.tests.unit.test_affiliation import registered
from services.ledger.tests.unit.test_ledger import TOPIC, completion


def in_memory(region_code: str | None) -> LedgerService:
    return bootstrap(
        LedgerRegionSettings(ledger_region_code=region_code),
        persistence=Persistence.in_memory(),
    )


def test_a_city_ledger_keeps_its_own_region_only() -> None:
    zibo_fact = completion(uuid4())  # region 370300
    (zaozhuang_decision,) = in_memory("370400").ledger.apply_batch(
        [(zibo_fact, KafkaPosition(TOPIC, 0, 0))]
    )
    assert isinstance(zaozhuang_decision, Refusal)
    assert zaozhuang_decision.reason is RefusalReason.OTHER_REGION
    assert in_memory("370300").ledger.apply_batch([(zibo_fact, KafkaPosition(TOPIC, 0, 0))]) == [
        Outcome.APPLIED
    ]
    assert in_memory(None).ledger.apply_batch([(zibo_fact, KafkaPosition(TOPIC, 0, 0))]) == [
        Outcome.APPLIED
    ]


def test_the_projector_writes_the_views_the_api_reads() -> None:
    ledger = in_memory(None)
    person = uuid4()
    fact = completion(person)
    ledger.ledger.apply_batch(
        [
            (registered(person, "370302"), KafkaPosition("identity", 0, 0)),
            (fact, KafkaPosition(TOPIC, 0, 0)),
        ]
    )
    projector = ledger.projector()
    assert projector.run_once() == 2
    newest = ledger.ledger.recorder.max_notification_id()
    assert projector.positions() == {"ledger_read_model": newest, "ledger_directory": newest}
    # The views by name are the ones the projector wrote, as two PostgreSQL views of one
    # table would be.
    (row,) = ledger.view().facts_for([person], 2024)[person]
    assert row.entry_id == fact.id
    assert ledger.directory().scopes([person])[person].region_code == "370302"
