"""Kafka topic names: one topic per producing service, plus the ledger's dead letters."""

from __future__ import annotations

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
"""Facts published by the identity service (legacy hours imported, hours transferred in)."""

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
