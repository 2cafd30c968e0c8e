"""hourbank_contracts: the public promise between hourbank services.

Event payloads (``events``), their registry and topics (``registry``), the
CloudEvents-over-Kafka envelope (``envelope``) and JSON Schema snapshots with a
compatibility checker (``schemas``; CLI ``python -m hourbank_contracts.snapshots``).
"""

from .envelope import (
    CONTENT_TYPE,
    EVENT_ID_NAMESPACE,
    SPEC_VERSION,
    Envelope,
    KafkaRecord,
    dead_letter_headers,
    envelope_for,
    event_id_for,
    from_kafka,
    to_kafka,
)
from .errors import PoisonMessage, SchemaViolation, UndecodableMessage, UnknownEventType
from .events import (
    ClaimApprovedV1,
    ClaimCategory,
    ContractEvent,
    CourseCompletedV1,
    ExamMode,
    ExamPassedV1,
    HourBearingEvent,
    MakeupPaidV1,
    PersonYearEvent,
    Subject,
)
from .fields import DECIMAL_STRING_PATTERN, REGION_CODE_PATTERN, Hours, Yuan
from .registry import (
    EVENT_CLASSES,
    EVENT_TYPES,
    build_registry,
    event_class_for,
    event_types_on,
)
from .schemas import check_compatible, check_snapshots, schema_for, write_snapshots
from .topics import (
    BILLING_TOPIC,
    EVENT_TOPICS,
    EXAM_TOPIC,
    LEARNING_TOPIC,
    LEDGER_DEAD_LETTER_TOPIC,
    RECOGNITION_TOPIC,
)

__all__ = [
    "BILLING_TOPIC",
    "CONTENT_TYPE",
    "DECIMAL_STRING_PATTERN",
    "EVENT_CLASSES",
    "EVENT_ID_NAMESPACE",
    "EVENT_TOPICS",
    "EVENT_TYPES",
    "EXAM_TOPIC",
    "LEARNING_TOPIC",
    "LEDGER_DEAD_LETTER_TOPIC",
    "RECOGNITION_TOPIC",
    "REGION_CODE_PATTERN",
    "SPEC_VERSION",
    "ClaimApprovedV1",
    "ClaimCategory",
    "ContractEvent",
    "CourseCompletedV1",
    "Envelope",
    "ExamMode",
    "ExamPassedV1",
    "HourBearingEvent",
    "Hours",
    "KafkaRecord",
    "MakeupPaidV1",
    "PersonYearEvent",
    "PoisonMessage",
    "SchemaViolation",
    "Subject",
    "UndecodableMessage",
    "UnknownEventType",
    "Yuan",
    "build_registry",
    "check_compatible",
    "check_snapshots",
    "dead_letter_headers",
    "envelope_for",
    "event_class_for",
    "event_id_for",
    "event_types_on",
    "from_kafka",
    "schema_for",
    "to_kafka",
    "write_snapshots",
]
