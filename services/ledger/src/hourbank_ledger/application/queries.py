"""What the title-evaluation system asks the ledger: a person-year evaluated under the
policy of a region and year, as it stood at a moment, one person or many at once."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from hourbank_contracts.vocabulary import CHINA_STANDARD_TIME
from hourbank_ledger.application.read_model import HourBankView
from hourbank_ledger.domain.policy import (
    Evaluation,
    NoRulesApply,
    PersonYear,
    Policy,
    evaluate,
    load_policy,
)
from hourbank_ledger.domain.working_days import working_days_before


class RegionRequiredError(NoRulesApply):
    """Provincial mode serves every city: the caller must name the region whose rules apply."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="region")


@dataclass(frozen=True)
class ApplicationCheck:
    application_date: date
    working_days_before: int
    complete_by: date
    evaluation: Evaluation

    @property
    def complete_in_time(self) -> bool:
        return self.evaluation.compliant


class HourBankQueries:
    def __init__(
        self,
        view: HourBankView,
        *,
        default_region: str | None,
        policy_loader: Callable[[str, int], Policy] = load_policy,
    ) -> None:
        self.view = view
        self.default_region = default_region
        # Policies are immutable files: read each once.
        self._policy = functools.cache(policy_loader)

    def region_or_default(self, region: str | None) -> str:
        chosen = region or self.default_region
        if chosen is None:
            msg = "this ledger serves every city: name the region whose rules apply"
            raise RegionRequiredError(msg)
        return chosen

    def evaluate(
        self, person_id: UUID, study_year: int, *, region: str | None, as_of: datetime
    ) -> Evaluation:
        return self.evaluate_many([person_id], study_year, region=region, as_of=as_of)[person_id]

    def evaluate_many(
        self, person_ids: Sequence[UUID], study_year: int, *, region: str | None, as_of: datetime
    ) -> dict[UUID, Evaluation]:
        policy = self._policy(self.region_or_default(region), study_year)
        rows = self.view.facts_for(person_ids, study_year)
        return {
            person_id: evaluate(
                PersonYear.of(
                    policy.region_code,
                    study_year,
                    (row.decoded() for row in rows.get(person_id, [])),
                ),
                policy,
                as_of=as_of,
            )
            for person_id in person_ids
        }

    def application_check(
        self, person_id: UUID, study_year: int, *, region: str | None, application_date: date
    ) -> ApplicationCheck:
        policy = self._policy(self.region_or_default(region), study_year)
        days = policy.title_application.working_days_before_application
        complete_by = working_days_before(application_date, days) if days else application_date
        # Everything that stood by the end of that day, China time, counts.
        as_of = datetime.combine(
            complete_by + timedelta(days=1), datetime.min.time(), CHINA_STANDARD_TIME
        ) - timedelta(microseconds=1)
        evaluation = self.evaluate(person_id, study_year, region=policy.region_code, as_of=as_of)
        return ApplicationCheck(application_date, days, complete_by, evaluation)
