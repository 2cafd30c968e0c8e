"""On PostgreSQL: a batch's hour banks read in one query equal the repository's, one by one,
and a batch refused as a whole (a stale position hint) is settled one message at a time."""

from __future__ import annotations

from uuid import uuid4

from pydantic import SecretStr

from hourbank_common.settings import PostgresSettings
from hourbank_ledger.adapters.postgres_ledger_recorder import PostgresLedgerRecorder
from hourbank_ledger.application.ledger import KafkaPosition, Outcome
from hourbank_ledger.bootstrap import build_ledger
from services.ledger.tests.unit.test_ledger import completion


def test_banks_read_in_one_query_equal_the_repository_and_batches_apply_once(
    database_url: str, schema: str
) -> None:
    settings = PostgresSettings(database_url=SecretStr(database_url), database_schema=schema)
    ledger = build_ledger(settings)
    # The composition root wires the recorder that reads many banks in one query.
    assert isinstance(ledger.recorder, PostgresLedgerRecorder)
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


def test_a_batch_behind_another_instance_is_refused_whole_and_settled_one_by_one(
    database_url: str, schema: str
) -> None:
    """The second instance's hint is older than what the first committed past the end of the
    redelivered batch, so the batch's tracking record is refused and nothing of it is
    written, including the messages of a partition that was never moved on. One by one,
    from the database, each message counts once."""
    settings = PostgresSettings(database_url=SecretStr(database_url), database_schema=schema)
    first, second = build_ledger(settings), build_ledger(settings)
    person, other = uuid4(), uuid4()
    moved = [
        (completion(person, "1", version=offset + 1), KafkaPosition("it.behind", 0, offset))
        for offset in range(12)
    ]
    untouched = [
        (completion(other, "1", version=offset + 1), KafkaPosition("it.behind", 1, offset))
        for offset in range(3)
    ]
    assert set(second.apply_batch(moved[:4])) == {Outcome.APPLIED}  # second remembers 4
    assert set(first.apply_batch(moved[4:])) == {Outcome.APPLIED}  # partition moved on to 12
    outcomes = second.apply_batch([*moved[4:10], *untouched])
    assert outcomes == [Outcome.ALREADY_TRACKED] * 6 + [Outcome.APPLIED] * 3
    bank, other_bank = first.get_bank(person), first.get_bank(other)
    assert bank is not None
    assert other_bank is not None
    assert sorted(bank.facts) == sorted(envelope.id for envelope, _ in moved)
    assert sorted(other_bank.facts) == sorted(envelope.id for envelope, _ in untouched)
    assert first.recorder.max_tracking_id("it.behind:0") == 12
    assert first.recorder.max_tracking_id("it.behind:1") == 3
    # The settled partitions are remembered: the next batch is one transaction again.
    assert set(second.apply_batch([*moved, *untouched])) == {Outcome.ALREADY_TRACKED}
