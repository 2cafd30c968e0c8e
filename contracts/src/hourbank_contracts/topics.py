"""Kafka topics: one per producing service, plus the ledger's dead letters.

This module is the one definition of every topic the system uses: its name, its partition
count and its retention. Brokers run with ``auto.create.topics.enable=false``, so a topic
exists only because something created it from :data:`TOPICS` (``scripts/infra start``
locally, ``python -m hourbank_common.kafka_topics`` against any cluster); a publisher to an
undefined topic fails instead of silently getting a topic with the broker's default
partition count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

LEARNING_TOPIC: Final = "hourbank.learning.events"
"""Facts published by the learning service (course completions and their voiding,
学习强国 points)."""

EXAM_TOPIC: Final = "hourbank.exam.events"
"""Facts published by the exam service (passed exams)."""

BILLING_TOPIC: Final = "hourbank.billing.events"
"""Facts published by the billing service (payments such as make-up years, refunds)."""

RECOGNITION_TOPIC: Final = "hourbank.recognition.events"
"""Facts published by the recognition service (approved and revoked hour claims)."""

IDENTITY_TOPIC: Final = "hourbank.identity.events"
"""Facts published by the identity service: organisations registered and employers approved,
persons registered (no name, no ID number), hours migrated from the old platforms and hours
transferred in from another region."""

LEDGER_DEAD_LETTER_TOPIC: Final = "hourbank.ledger.dead-letter"
"""Where the ledger parks records it can never process (see ``dead_letter_headers``)."""

EVENT_TOPICS: Final[tuple[str, ...]] = (
    LEARNING_TOPIC,
    EXAM_TOPIC,
    BILLING_TOPIC,
    RECOGNITION_TOPIC,
    IDENTITY_TOPIC,
)
"""Every topic that carries contract events, in a stable order."""

EVENT_TOPIC_PARTITIONS: Final = 3
"""Partitions of every event topic. Records are keyed by the person's opaque id, so one
person's facts stay in order on one partition; the ledger consumer tracks each
topic-partition, and at most this many consumers of one group share the work. Adding
partitions later moves persons to other partitions (their order across the move is then
up to the consumer's dedupe), so the number is chosen once, here."""

# Retention: the facts are the system of record between services. A ledger added later
# (a new city, the province, a rebuild from scratch) replays every topic from the
# beginning, so event topics keep their records for ever. Dead letters are kept for ever
# too: each one is a fact that was refused and waits for a person to look at it.
_KEEP_FOR_EVER: Final = {"cleanup.policy": "delete", "retention.ms": "-1"}


@dataclass(frozen=True)
class TopicSpec:
    """How one topic is created: partitions and topic-level configuration.

    The replication factor is the cluster's business (1 on the local single-node broker,
    3 in production), so it is given when creating, not here.
    """

    name: str
    partitions: int
    config: dict[str, str] = field(default_factory=dict)
    description: str = ""


TOPICS: Final[tuple[TopicSpec, ...]] = (
    *(
        TopicSpec(name, EVENT_TOPIC_PARTITIONS, dict(_KEEP_FOR_EVER), "contract events")
        for name in EVENT_TOPICS
    ),
    # The dead letters of a source partition go to the partition of the same number (same
    # key), so the dead-letter topic has as many partitions as the sources.
    TopicSpec(
        LEDGER_DEAD_LETTER_TOPIC,
        EVENT_TOPIC_PARTITIONS,
        dict(_KEEP_FOR_EVER),
        "records the ledger refused, with the reason in dlq_* headers",
    ),
)
"""Every topic the system uses, created explicitly (brokers do not auto-create topics)."""

TOPIC_NAMES: Final[frozenset[str]] = frozenset(spec.name for spec in TOPICS)


def topic_spec(name: str) -> TopicSpec:
    """The definition of ``name``; KeyError for a topic the system does not define."""
    for spec in TOPICS:
        if spec.name == name:
            return spec
    raise KeyError(name)
