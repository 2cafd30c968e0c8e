"""Yearly statements: what the bank said about a person-year at a moment, with a code that
proves it and tells whether it still holds.

The verification code is an HMAC (keyed by a secret the ledger holds) over the person, year,
region, the statement's moment and a digest of what was credited. ``verify`` recomputes the
evaluation at that moment (authentic?) and now (still current?): a statement whose hours were
later reduced, by a revoked claim for example, stays authentic but is no longer current.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from hourbank_common.errors import Unavailable
from hourbank_ledger.application.queries import HourBankQueries
from hourbank_ledger.domain.policy import Evaluation, format_hours


class StatementsDisabled(Unavailable):
    """This ledger has no signing key, so it issues and verifies no statements."""

    problem_title = "Statements disabled"
    problem_type = "about:blank"


def content_digest(evaluation: Evaluation) -> str:
    """What a statement asserts, independent of when it was issued."""
    content = {
        "region": evaluation.region_code,
        "year": evaluation.evaluated_year,
        "policy": evaluation.policy_version,
        "compliant": evaluation.compliant,
        "credited": {
            subject.value: format_hours(total.credited)
            for subject, total in sorted(evaluation.by_subject.items())
        },
        "entries": sorted(
            (e.entry_id, format_hours(e.credited_hours), e.status.value) for e in evaluation.entries
        ),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Statement:
    person_id: UUID
    evaluation: Evaluation
    verification_code: str


@dataclass(frozen=True)
class Verification:
    authentic: bool
    current: bool


class Statements:
    def __init__(self, queries: HourBankQueries, signing_key: bytes) -> None:
        if len(signing_key) < 32:
            msg = "the statement signing key must be at least 32 bytes"
            raise ValueError(msg)
        self._queries = queries
        self._key = signing_key

    def issue(
        self, person_id: UUID, study_year: int, *, region: str | None, as_of: datetime
    ) -> Statement:
        evaluation = self._queries.evaluate(person_id, study_year, region=region, as_of=as_of)
        return Statement(person_id, evaluation, self._code(person_id, evaluation))

    def verify(
        self,
        code: str,
        person_id: UUID,
        study_year: int,
        *,
        region: str | None,
        as_of: datetime,
        now: datetime,
    ) -> Verification:
        then = self._queries.evaluate(person_id, study_year, region=region, as_of=as_of)
        authentic = hmac.compare_digest(_normalise(code), self._code(person_id, then))
        if not authentic:
            return Verification(authentic=False, current=False)
        today = self._queries.evaluate(person_id, study_year, region=region, as_of=now)
        return Verification(authentic=True, current=content_digest(today) == content_digest(then))

    def _code(self, person_id: UUID, evaluation: Evaluation) -> str:
        message = "|".join(
            (
                str(person_id),
                str(evaluation.evaluated_year),
                evaluation.region_code,
                evaluation.as_of.isoformat(),
                content_digest(evaluation),
            )
        )
        mac = hmac.new(self._key, message.encode(), hashlib.sha256).digest()
        text = base64.b32encode(mac[:10]).decode()  # 16 characters, no padding at 10 bytes
        return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def _normalise(code: str) -> str:
    text = code.replace("-", "").replace(" ", "").upper()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))
