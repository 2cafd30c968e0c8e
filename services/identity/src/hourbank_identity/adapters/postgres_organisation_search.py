"""PostgreSQL implementation of the organisation search, with the pg_trgm extension.

Fuzzy name matching is pg_trgm's ``word_similarity(query, name)``: how well the query's
trigrams match the best stretch of the name, so that a part of a long name ("新华制药" in
"山东新华制药股份有限公司") scores as well as the whole. A match needs at least
``WORD_SIMILARITY_THRESHOLD``. pg_trgm's default (0.6) loses one wrong character in a
six- or seven-character Chinese name ("淄博第一医院" for "淄博市第一医院" scores 0.5,
"淄博市第二医院" 0.5); 0.4 keeps those and one-letter Latin typos ("zbo chemical" for
"zibo chemical": 0.77), while unrelated names sharing a character or two stay near 0.15.
The flip side is that a short generic query ("有限公司") matches many names; they rank
below the names that contain it.

The filter uses the ``<%`` operator (whose threshold is the transaction-local setting
``pg_trgm.word_similarity_threshold``) and ``LIKE '%query%'`` so that the GIN trigram
index on the normalised name answers both; credit codes use a ``text_pattern_ops`` index
for equality and prefixes.

The extension is one per database, in one schema, while every service (and every test)
has its own schema: it is created in ``public`` unless it already exists somewhere else
(a DBA may pre-install it), and its functions, operator and operator class are always
called qualified with the schema it was found in, so that no ``search_path`` matters and
dropping a service's schema never drops the extension from under the others.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ProgrammingError, Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composable, Composed, Identifier, Literal

from hourbank_identity.application.organisation_search import (
    SCORE_CREDIT_CODE_PREFIX,
    SCORE_EXACT_CREDIT_CODE,
    SCORE_NAME_CONTAINS,
    OrganisationEntry,
    OrganisationSearchView,
    ParsedQuery,
    SearchPage,
    StatusChange,
    check_page,
    normalise_name,
    region_prefix,
)

TABLE = "identity_organisation_search"
WORD_SIMILARITY_THRESHOLD = 0.4
EXTENSION_DEFAULT_SCHEMA = "public"
# Database-wide (not per schema like hourbank_common.postgres.table_creation_lock): two
# services or tests creating the extension at once would otherwise both try to insert it.
_EXTENSION_LOCK = zlib.crc32(b"hourbank-ddl:extension:pg_trgm")


class PostgresOrganisationSearchView(PostgresTrackingRecorder, OrganisationSearchView):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.table = SQL("{}.{}").format(Identifier(self.datastore.schema), Identifier(TABLE))
        self._trgm_schema: str | None = None

    # --- tables ---------------------------------------------------------------------------

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        curs.execute(SQL("SELECT pg_advisory_xact_lock({})").format(Literal(_EXTENSION_LOCK)))
        curs.execute(
            SQL("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA {}").format(
                Identifier(EXTENSION_DEFAULT_SCHEMA)
            )
        )
        trgm = Identifier(self._find_trgm_schema(curs))
        self._check_trigrams_see_chinese(curs, trgm)
        super()._create_table(curs)
        for statement in self._table_statements(trgm):
            curs.execute(statement, prepare=False)

    def _table_statements(self, trgm: Identifier) -> list[Composed]:
        return [
            SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                " organisation_id uuid PRIMARY KEY,"
                " kind text NOT NULL,"
                " name text NOT NULL,"
                " name_normalised text NOT NULL,"
                " region_code text NOT NULL,"
                " credit_code text NULL,"
                " status text NOT NULL,"
                " parent_id uuid NULL)"
            ).format(self.table),
            SQL(
                "CREATE INDEX IF NOT EXISTS identity_organisation_search_name_trgm"
                " ON {} USING gin (name_normalised {}.gin_trgm_ops)"
            ).format(self.table, trgm),
            SQL(
                "CREATE INDEX IF NOT EXISTS identity_organisation_search_credit_code"
                " ON {} (credit_code text_pattern_ops)"
            ).format(self.table),
            SQL(
                "CREATE INDEX IF NOT EXISTS identity_organisation_search_region"
                " ON {} (region_code text_pattern_ops)"
            ).format(self.table),
            # Listing without a query pages through names in code-point order.
            SQL(
                "CREATE INDEX IF NOT EXISTS identity_organisation_search_name"
                ' ON {} (name COLLATE "C", organisation_id)'
            ).format(self.table),
        ]

    @staticmethod
    def _find_trgm_schema(curs: Cursor[DictRow]) -> str:
        curs.execute(
            "SELECT n.nspname FROM pg_extension e"
            " JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
        )
        row = curs.fetchone()
        if row is None:
            msg = "the pg_trgm extension is not installed in this database"
            raise ProgrammingError(msg)
        return str(row["nspname"])

    @staticmethod
    def _check_trigrams_see_chinese(curs: Cursor[DictRow], trgm: Identifier) -> None:
        # pg_trgm only makes trigrams of characters the database's LC_CTYPE calls letters;
        # under the plain "C" ctype Chinese names would have none and never match fuzzily.
        curs.execute(SQL("SELECT {}.show_trgm('医院') AS t").format(trgm))
        row = curs.fetchone()
        if row is None or not row["t"]:
            msg = (
                "pg_trgm makes no trigrams of Chinese text in this database: its LC_CTYPE"
                " must be a UTF-8 locale (for example C.UTF-8), not C"
            )
            raise ProgrammingError(msg)

    def _trigram_schema(self, curs: Cursor[DictRow]) -> Identifier:
        # Another process may have created the tables; ask the database once.
        if self._trgm_schema is None:
            self._trgm_schema = self._find_trgm_schema(curs)
        return Identifier(self._trgm_schema)

    # --- writes ---------------------------------------------------------------------------

    def upsert(self, entry: OrganisationEntry, tracking: Tracking) -> None:
        self.record_page([entry], tracking)

    def set_status(self, organisation_id: UUID, status: str, tracking: Tracking) -> None:
        self.record_page([StatusChange(organisation_id, status)], tracking)

    def record_page(
        self, changes: Sequence[OrganisationEntry | StatusChange], tracking: Tracking
    ) -> None:
        with self.datastore.transaction(commit=True) as curs:
            for change in changes:
                if isinstance(change, OrganisationEntry):
                    self._upsert(curs, change)
                else:
                    curs.execute(
                        SQL("UPDATE {} SET status = %s WHERE organisation_id = %s").format(
                            self.table
                        ),
                        (change.status, change.organisation_id),
                        prepare=True,
                    )
            self._insert_tracking(curs, tracking)

    def _upsert(self, curs: Cursor[DictRow], entry: OrganisationEntry) -> None:
        curs.execute(
            SQL(
                "INSERT INTO {} (organisation_id, kind, name, name_normalised,"
                " region_code, credit_code, status, parent_id)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (organisation_id) DO UPDATE SET"
                " kind = EXCLUDED.kind, name = EXCLUDED.name,"
                " name_normalised = EXCLUDED.name_normalised,"
                " region_code = EXCLUDED.region_code, credit_code = EXCLUDED.credit_code,"
                " status = EXCLUDED.status, parent_id = EXCLUDED.parent_id"
            ).format(self.table),
            (
                entry.organisation_id,
                entry.kind,
                entry.name,
                normalise_name(entry.name),
                entry.region_code,
                entry.credit_code,
                entry.status,
                entry.parent_id,
            ),
            prepare=True,
        )

    # --- reads ----------------------------------------------------------------------------

    def get(self, organisation_id: UUID) -> OrganisationEntry | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL("SELECT * FROM {} WHERE organisation_id = %s").format(self.table),
                (organisation_id,),
                prepare=True,
            )
            row = curs.fetchone()
        return None if row is None else _entry(row)

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
        filters: list[Composable] = []
        params: dict[str, Any] = {}
        if kinds:
            filters.append(SQL("kind = ANY(%(kinds)s)"))
            params["kinds"] = list(kinds)
        if region_code is not None:
            prefix = region_prefix(region_code)
            if prefix is None:
                return SearchPage(items=[], total=0)
            # Region codes are digits only: nothing to escape in the pattern.
            filters.append(SQL("region_code LIKE %(region)s"))
            params["region"] = prefix + "%"
        if status is not None:
            filters.append(SQL("status = %(status)s"))
            params["status"] = status
        # The transaction is only there to scope the threshold setting; it writes nothing.
        with self.datastore.transaction(commit=False) as curs:
            score: Composable = SQL("0.0")
            if parsed.name:
                trgm = self._trigram_schema(curs)
                curs.execute(
                    "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
                    (str(WORD_SIMILARITY_THRESHOLD),),
                )
                score, matches = _scoring(parsed, trgm, params)
                filters.append(SQL("({})").format(SQL(" OR ").join(matches)))
            where = SQL(" AND ").join(filters) if filters else SQL("true")
            curs.execute(
                SQL(
                    "SELECT *, count(*) OVER () AS total FROM ("
                    " SELECT *, {} AS score FROM {} WHERE {}) AS matched"
                    ' ORDER BY score DESC, name COLLATE "C", organisation_id'
                    " LIMIT %(limit)s OFFSET %(offset)s"
                ).format(score, self.table, where),
                {**params, "limit": limit, "offset": offset},
            )
            rows = curs.fetchall()
            if rows:
                return SearchPage(items=[_entry(r) for r in rows], total=int(rows[0]["total"]))
            if offset == 0 and limit > 0:
                return SearchPage(items=[], total=0)
            # A page past the end (or of no size) still reports how many there are.
            curs.execute(
                SQL("SELECT count(*) AS total FROM {} WHERE {}").format(self.table, where),
                params,
            )
            counted = curs.fetchone()
            return SearchPage(items=[], total=int(counted["total"]) if counted else 0)


def _scoring(
    parsed: ParsedQuery, trgm: Identifier, params: dict[str, Any]
) -> tuple[Composable, list[Composable]]:
    """The score expression and the match conditions for a query (see the module docs of
    ``application/organisation_search.py`` for the tiers); fills ``params``."""
    params["q"] = parsed.name
    params["contains"] = "%" + _escape_like(parsed.name) + "%"
    cases: list[Composable] = []
    matches: list[Composable] = []
    if parsed.credit_code is not None:
        params["code"] = parsed.credit_code
        cases.append(SQL("WHEN credit_code = %(code)s THEN {}").format(SCORE_EXACT_CREDIT_CODE))
        matches.append(SQL("credit_code = %(code)s"))
    if parsed.credit_code_prefix is not None:
        # Only credit-code characters (checked when parsed): nothing to escape.
        params["code_prefix"] = parsed.credit_code_prefix + "%"
        cases.append(
            SQL("WHEN credit_code LIKE %(code_prefix)s THEN {}").format(SCORE_CREDIT_CODE_PREFIX)
        )
        matches.append(SQL("credit_code LIKE %(code_prefix)s"))
    cases.append(
        SQL(
            "WHEN name_normalised LIKE %(contains)s THEN {} + {}.similarity(name_normalised, %(q)s)"
        ).format(SCORE_NAME_CONTAINS, trgm)
    )
    matches.append(SQL("name_normalised LIKE %(contains)s"))
    matches.append(SQL("%(q)s OPERATOR({}.<%%) name_normalised").format(trgm))
    score = SQL("CASE {} ELSE {}.word_similarity(%(q)s, name_normalised) END").format(
        SQL(" ").join(cases), trgm
    )
    return score, matches


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _entry(row: DictRow) -> OrganisationEntry:
    return OrganisationEntry(
        organisation_id=row["organisation_id"],
        kind=row["kind"],
        name=row["name"],
        region_code=row["region_code"],
        credit_code=row["credit_code"],
        status=row["status"],
        parent_id=row["parent_id"],
    )
