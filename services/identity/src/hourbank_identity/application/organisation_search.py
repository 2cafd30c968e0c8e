"""Employer (organisation) search: a read model projected from identity's event store.

People registering, and administrators approving employers, look an organisation up by a
part of its name or by its unified social credit code, and they misspell names (a missing
市, a traditional 醫 for 医, a dropped Latin letter). ``OrganisationSearchView`` is the port;
``adapters/postgres_organisation_search.py`` implements it with PostgreSQL's pg_trgm and
``InMemoryOrganisationSearchView`` approximates it for unit tests. Each update is written
with its tracking record in one transaction.

Ranking, shared by both implementations (higher first, then name, then id, so that pages
never overlap or skip):

* 4 — the query is a whole credit code (18 characters, case-insensitive) and equals the
  organisation's;
* 3 — the query (4 characters or more, credit-code alphabet) is a prefix of its credit code;
* 1 to 2 — the normalised name contains the normalised query (1 + how much of the name
  the query covers, so the exact name comes first);
* below 1 — a fuzzy name match: how well the query matches the best part of the name, kept
  only at or above the implementation's threshold.
"""

from __future__ import annotations

import re
import unicodedata
from abc import abstractmethod
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.popo import POPOTrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from hourbank_common.regions import region_covers
from hourbank_identity.domain.credit_code import ALPHABET, LENGTH
from hourbank_identity.domain.organisation import Organisation, OrganisationStatus

SCORE_EXACT_CREDIT_CODE = 4.0
SCORE_CREDIT_CODE_PREFIX = 3.0
SCORE_NAME_CONTAINS = 1.0
MIN_CREDIT_CODE_PREFIX = 4

_CREDIT_CODE_CHARS = re.compile(f"[{ALPHABET}]+")


@dataclass(frozen=True)
class OrganisationEntry:
    organisation_id: UUID
    kind: str
    name: str
    region_code: str
    credit_code: str | None
    status: str
    parent_id: UUID | None


@dataclass(frozen=True)
class StatusChange:
    organisation_id: UUID
    status: str


@dataclass(frozen=True)
class SearchPage:
    items: list[OrganisationEntry]
    total: int
    """How many organisations match in all, not only on this page."""


def normalise_name(text: str) -> str:
    """The form names and queries are compared in.

    NFKC folds full-width Latin letters and digits (common from Chinese input methods) into
    ASCII; casefold ignores case; runs of whitespace become one space.
    """
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(frozen=True)
class ParsedQuery:
    """A search string, read both as a (part of a) name and as a (part of a) credit code."""

    name: str
    """The normalised query; empty means no query (list everything)."""
    credit_code: str | None
    """The query as a whole credit code, if it has that shape."""
    credit_code_prefix: str | None
    """The query as the start of a credit code: only the credit-code alphabet, so it is
    also safe inside a LIKE pattern."""

    @classmethod
    def parse(cls, query: str | None) -> ParsedQuery:
        name = normalise_name(query or "")
        code = "".join(name.split()).upper()
        is_code_like = _CREDIT_CODE_CHARS.fullmatch(code) is not None
        return cls(
            name=name,
            credit_code=code if is_code_like and len(code) == LENGTH else None,
            credit_code_prefix=(
                code if is_code_like and MIN_CREDIT_CODE_PREFIX <= len(code) <= LENGTH else None
            ),
        )


def region_prefix(region_code: str) -> str | None:
    """The code prefix every region within ``region_code`` shares, as ``region_covers``
    defines "within"; None for a malformed code (which covers nothing)."""
    if len(region_code) != 6 or not (region_code.isascii() and region_code.isdigit()):
        return None
    if region_code.endswith("0000"):
        return region_code[:2]
    if region_code.endswith("00"):
        return region_code[:4]
    return region_code


def check_page(limit: int, offset: int) -> None:
    if limit < 0 or offset < 0:
        msg = "limit and offset must not be negative"
        raise ValueError(msg)


class OrganisationSearchView(TrackingRecorder):
    @abstractmethod
    def upsert(self, entry: OrganisationEntry, tracking: Tracking) -> None:
        """Insert or replace the organisation's entry."""

    @abstractmethod
    def set_status(self, organisation_id: UUID, status: str, tracking: Tracking) -> None:
        """Change an organisation's status (the tracking is recorded even if it is unknown)."""

    @abstractmethod
    def record_page(
        self, changes: Sequence[OrganisationEntry | StatusChange], tracking: Tracking
    ) -> None:
        """Apply ``changes`` in order (entries upserted, statuses set) and record the
        position, in one transaction."""

    @abstractmethod
    def get(self, organisation_id: UUID) -> OrganisationEntry | None: ...

    @abstractmethod
    def search(
        self,
        query: str | None,
        *,
        kinds: Collection[str] = (),
        region_code: str | None = None,
        status: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> SearchPage:
        """One page of the organisations matching ``query`` (ranked as the module says) and
        every given filter: kind among ``kinds`` (any if empty), lying within the GB/T 2260
        region ``region_code``, with ``status``. No query lists all matches by name."""


class InMemoryOrganisationSearchView(POPOTrackingRecorder, OrganisationSearchView):
    """The in-memory implementation, for unit tests.

    Fuzzy matching approximates pg_trgm with difflib: the score is the best
    ``SequenceMatcher`` ratio of the query against the whole name or against any stretch of
    the name as long as the query (a stand-in for pg_trgm's ``word_similarity``). difflib
    rates short strings sharing a few characters higher than trigrams do, hence a higher
    threshold than PostgreSQL's. Scores differ from PostgreSQL's in detail; which
    organisations match and the ranking tiers are the same for the port's test cases.
    """

    FUZZY_THRESHOLD = 0.6

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rows: dict[UUID, OrganisationEntry] = {}

    def upsert(self, entry: OrganisationEntry, tracking: Tracking) -> None:
        with self._database_lock:
            self._assert_tracking_uniqueness(tracking)
            self._rows[entry.organisation_id] = entry
            self._insert_tracking(tracking)

    def set_status(self, organisation_id: UUID, status: str, tracking: Tracking) -> None:
        with self._database_lock:
            self._assert_tracking_uniqueness(tracking)
            entry = self._rows.get(organisation_id)
            if entry is not None:
                self._rows[organisation_id] = replace(entry, status=status)
            self._insert_tracking(tracking)

    def record_page(
        self, changes: Sequence[OrganisationEntry | StatusChange], tracking: Tracking
    ) -> None:
        with self._database_lock:
            self._assert_tracking_uniqueness(tracking)
            for change in changes:
                if isinstance(change, OrganisationEntry):
                    self._rows[change.organisation_id] = change
                elif (entry := self._rows.get(change.organisation_id)) is not None:
                    self._rows[change.organisation_id] = replace(entry, status=change.status)
            self._insert_tracking(tracking)

    def get(self, organisation_id: UUID) -> OrganisationEntry | None:
        with self._database_lock:
            return self._rows.get(organisation_id)

    def search(
        self,
        query: str | None,
        *,
        kinds: Collection[str] = (),
        region_code: str | None = None,
        status: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> SearchPage:
        check_page(limit, offset)
        parsed = ParsedQuery.parse(query)
        wanted_kinds = set(kinds)
        with self._database_lock:
            rows = list(self._rows.values())
        scored: list[tuple[float, OrganisationEntry]] = []
        for entry in rows:
            if wanted_kinds and entry.kind not in wanted_kinds:
                continue
            if region_code is not None and not region_covers(region_code, entry.region_code):
                continue
            if status is not None and entry.status != status:
                continue
            score = self._score(parsed, entry) if parsed.name else 0.0
            if score is not None:
                scored.append((score, entry))
        scored.sort(key=lambda pair: (-pair[0], pair[1].name, pair[1].organisation_id))
        return SearchPage(
            items=[entry for _, entry in scored[offset : offset + limit]], total=len(scored)
        )

    def _score(self, parsed: ParsedQuery, entry: OrganisationEntry) -> float | None:
        code = entry.credit_code
        if code is not None and parsed.credit_code == code:
            return SCORE_EXACT_CREDIT_CODE
        if (
            code is not None
            and parsed.credit_code_prefix
            and code.startswith(parsed.credit_code_prefix)
        ):
            return SCORE_CREDIT_CODE_PREFIX
        name = normalise_name(entry.name)
        if parsed.name in name:
            return SCORE_NAME_CONTAINS + SequenceMatcher(None, parsed.name, name).ratio()
        fuzzy = _partial_ratio(parsed.name, name)
        return fuzzy if fuzzy >= self.FUZZY_THRESHOLD else None


def _partial_ratio(query: str, name: str) -> float:
    best = SequenceMatcher(None, query, name).ratio()
    width = len(query)
    for start in range(max(len(name) - width, 0) + 1):
        best = max(best, SequenceMatcher(None, query, name[start : start + width]).ratio())
    return best


class OrganisationSearchProjection(Projection[OrganisationSearchView]):
    name = "identity_organisation_search"
    # Only what the view shows is read from the event store (not people's or accounts').
    topics = (get_topic(Organisation.Registered), get_topic(Organisation.Approved))

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, domain_event: Organisation.Registered, tracking: Tracking) -> None:
        self.view.upsert(_entry(domain_event), tracking)

    @process_event.register
    def _(self, domain_event: Organisation.Approved, tracking: Tracking) -> None:
        self.view.set_status(domain_event.originator_id, OrganisationStatus.ACTIVE.value, tracking)

    def project_page(self, domain_events: Sequence[object], tracking: Tracking) -> None:
        """A page of events and its position in one transaction (hourbank_common.projection)."""
        changes: list[OrganisationEntry | StatusChange] = []
        for event in domain_events:
            if isinstance(event, Organisation.Registered):
                changes.append(_entry(event))
            elif isinstance(event, Organisation.Approved):
                changes.append(StatusChange(event.originator_id, OrganisationStatus.ACTIVE.value))
        self.view.record_page(changes, tracking)


def _entry(registered: Organisation.Registered) -> OrganisationEntry:
    return OrganisationEntry(
        organisation_id=registered.originator_id,
        kind=registered.kind,
        name=registered.name,
        region_code=registered.region_code,
        credit_code=registered.credit_code,
        status=registered.status,
        parent_id=registered.parent_id,
    )
