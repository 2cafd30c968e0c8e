"""Translation from learning's stored domain events to public contract events."""

from __future__ import annotations

from hourbank_contracts import (
    CourseCompletedV1,
    Envelope,
    Subject,
    envelope_for,
    event_id_for,
)
from hourbank_learning.domain.completion import CourseCompletion

SOURCE = "/hourbank/learning"


def to_public_event(domain_event: object) -> Envelope | None:
    """The public envelope for a stored domain event, or None when it is internal only.

    The envelope id is derived from (originator id, version), so a re-published event
    carries the same ``ce_id`` and downstream deduplication recognises it.
    """
    if isinstance(domain_event, CourseCompletion.Recorded):
        data = CourseCompletedV1(
            person_id=domain_event.person_id,
            region_code=domain_event.region_code,
            study_year=domain_event.study_year,
            subject=Subject(str(domain_event.subject)),
            hours=domain_event.hours,
            source_ref=f"completion:{domain_event.originator_id}",
            occurred_at=domain_event.completed_at,
            course_id=domain_event.course_id,
        )
        return envelope_for(
            data,
            source=SOURCE,
            correlation_id=domain_event.correlation_id,
            event_id=event_id_for(
                SOURCE, domain_event.originator_id, domain_event.originator_version
            ),
        )
    return None
