"""On PostgreSQL, a batch's hour banks read in one query equal the repository's, one by one."""

from __future__ import annotations

from uuid import uuid4

from pydantic import SecretStr

from hourbank_common.settings import PostgresSettings
from hourbank_ledger.application.ledger import KafkaPosition, Outcome
from hourbank_ledger.bootstrap import build_ledger
from services.ledger.tests.unit.test_ledger import completion


def test_banks_read_in_one_query_equal_the_repository_and_batches_apply_once(
    database_url: str, schema: str
) -> None:
    settings = PostgresSettings(database_url=SecretStr(database_url), database_schema=schema)
    ledger = build_ledger(settings)
    assert ledger.events_of_many is not None  # the composition root wires the bulk reader
    persons = [uuid4() for _ in range(30)]
    batch = [
        (completion(person, "1", version=version), KafkaPosition("it.bulk", 0, offset))
        for offset, (person, version) in enumerate(
            (person, version) for version in (1, 2, 3) for person in persons
        )
    ]
    assert set(ledger.apply_batch(batch)) == {Outcome.APPLIED}
    # The same batch again (a redelivery after a crash): every position is already tracked.
    assert set(ledger.apply_batch(batch)) == {Outcome.ALREADY_TRACKED}
    stranger = uuid4()
    banks = ledger.get_banks([*persons, stranger])
    assert banks[stranger] is None
    for person in persons:
        bank, rebuilt = banks[person], ledger.get_bank(person)
        assert bank is not None
        assert rebuilt is not None
        assert (bank.version, bank.facts) == (rebuilt.version, rebuilt.facts)
        assert len(bank.facts) == 3


def test_a_stale_position_hint_after_a_rebalance_counts_nothing_twice(
    database_url: str, schema: str
) -> None:
    """Two consumer instances on one partition (a rebalance): each remembers the position it
    last committed, so one of them works from a stale hint. Facts still count once."""
    settings = PostgresSettings(database_url=SecretStr(database_url), database_schema=schema)
    first, second = build_ledger(settings), build_ledger(settings)
    person = uuid4()
    batch = [
        (completion(person, "1", version=offset + 1), KafkaPosition("it.rebalance", 0, offset))
        for offset in range(12)
    ]
    assert set(second.apply_batch(batch[:4])) == {Outcome.APPLIED}  # second remembers 4
    assert set(first.apply_batch(batch[4:8])) == {Outcome.APPLIED}  # partition moved on to 8
    # The second instance gets the partition back and is redelivered offsets 4..11. Its hint
    # says 4: offsets 4..7 look new to it, but their facts are already in the bank.
    outcomes = second.apply_batch(batch[4:])
    assert outcomes[:4] == [Outcome.DUPLICATE_EVENT] * 4
    assert outcomes[4:] == [Outcome.APPLIED] * 4
    bank = build_ledger(settings).get_bank(person)
    assert bank is not None
    assert sorted(bank.facts) == sorted(envelope.id for envelope, _ in batch)
    # Both instances now agree that every offset is tracked.
    assert set(first.apply_batch(batch)) == {Outcome.ALREADY_TRACKED}
