"""What a ledger accepts: the checks a fact passes before it reaches an hour bank (pure).

The producers' APIs check what they accept, but the ledger trusts no producer: a forged or
misrouted record on its topics must not become hours. A refused fact is acknowledged and
parked on the dead-letter topic with its reason (adapters/kafka_consumer.py), never retried.

- **Region.** A ledger keeps the facts of its own region: a city ledger (``LEDGER_REGION_CODE``,
  e.g. 370400 Zaozhuang) the facts whose ``region_code`` is the city or one of its districts
  (370402); the provincial ledger (no region code) those of every Shandong region (37xxxx).
  Hours certified elsewhere enter only as a transfer in (``HoursTransferredInV1``), whose
  ``region_code`` is the receiving region, this ledger's, and whose ``from_region_code`` (the
  certifying region, which may be Beijing) is not checked.
- **Study year.** A fact counts for a year some policy file governs, from the earliest to the
  latest (docs/policies.md): no rules could evaluate another year, so reading it could only
  answer 422. Adding a year's policy file widens the range.
- **Natural key.** See ``HourBank.record``: the producer (``ce_source``), the event type and
  the producer's ``source_ref`` identify a fact as well as its ``ce_id`` does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from hourbank_common.regions import SHANDONG, region_covers
from hourbank_ledger.domain.policy import Policy


class RefusalReason(StrEnum):
    """The ``dlq_reason`` of a refused fact."""

    OTHER_REGION = "other_region"
    STUDY_YEAR_NOT_COVERED = "study_year_not_covered"
    NATURAL_KEY_CONFLICT = "natural_key_conflict"


@dataclass(frozen=True)
class Refusal:
    """Why a fact was not recorded; ``detail`` names codes and ids, never payload values."""

    reason: RefusalReason
    detail: str


@dataclass(frozen=True)
class FactIntake:
    """The checks of one ledger: the region it keeps and the study years the rules cover."""

    region_code: str
    first_year: int
    last_year: int

    @classmethod
    def of(cls, region_code: str | None, policies: Iterable[Policy]) -> FactIntake:
        """The checks of a city ledger (``region_code``) or of the provincial one (None),
        with the study years that ``policies`` govern."""
        years = {
            year
            for policy in policies
            for year in (policy.year, *(policy.makeup.years if policy.makeup else ()))
        }
        if not years:
            msg = "no policy governs any study year: the ledger could accept no fact"
            raise ValueError(msg)
        return cls(region_code or SHANDONG, min(years), max(years))

    def refusal(self, *, region_code: str, study_year: int) -> Refusal | None:
        """Why a fact of ``region_code`` for ``study_year`` does not belong here, or None."""
        if not region_covers(self.region_code, region_code):
            return Refusal(
                RefusalReason.OTHER_REGION,
                f"a fact of region {region_code} does not belong in the ledger of region "
                f"{self.region_code} (only a transfer in to this region brings hours from "
                "elsewhere)",
            )
        if not self.first_year <= study_year <= self.last_year:
            return Refusal(
                RefusalReason.STUDY_YEAR_NOT_COVERED,
                f"study year {study_year} is outside the years the policies cover "
                f"({self.first_year}-{self.last_year})",
            )
        return None
