"""Where a service keeps its stores: the one helper every composition root builds them with.

A service's ``bootstrap(settings, *, persistence=...)`` asks a ``Persistence`` for its
eventsourcing applications (``application``), the positions its lines record
(``tracking_recorder``) and its read views (``view``), by name. Two kinds:

- ``Persistence.postgres(settings)``: the service's schema in PostgreSQL. The schema is
  created first (eventsourcing expects it to exist), and every table is created under the
  schema's DDL lock (``hourbank_common.postgres.table_creation_lock``), because processes
  that start together create the same tables.
- ``Persistence.in_memory()``: eventsourcing's in-memory (POPO) stores, for unit tests. It
  behaves like one small database: asking twice for the recorder or view of one name hands
  out the same one, as two PostgreSQL recorders of one name share a table.

Table names follow eventsourcing's: the recorder or view named ``learning_relay`` keeps its
positions in ``learning_relay_tracking``.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from eventsourcing.persistence import InfrastructureFactory, TrackingRecorder
from eventsourcing.popo import POPOTrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.utils import Environment

from hourbank_common.postgres import database_answers, ensure_schema, table_creation_lock
from hourbank_common.settings import PostgresSettings, ServiceSettings, eventsourcing_env

A = TypeVar("A")
P = TypeVar("P", bound=PostgresTrackingRecorder)
M = TypeVar("M", bound=POPOTrackingRecorder)

ReadinessCheck = Callable[[], object]
"""Raises when the store does not answer."""


class Persistence(ABC):
    @staticmethod
    def in_memory() -> InMemoryPersistence:
        return InMemoryPersistence()

    @staticmethod
    def postgres(settings: PostgresSettings) -> PostgresPersistence:
        """The schema ``settings`` name, created if missing (so this connects)."""
        return PostgresPersistence(
            settings.database_url.get_secret_value(), settings.database_schema
        )

    @staticmethod
    def of(settings: ServiceSettings, persistence: Persistence | None) -> Persistence:
        """``persistence`` when a caller (a test) chose one, else the database of
        ``settings``: what each ``bootstrap`` starts with."""
        if persistence is not None:
            return persistence
        if not isinstance(settings, PostgresSettings):
            msg = f"{type(settings).__name__} names no database: pass persistence="
            raise TypeError(msg)
        return Persistence.postgres(settings)

    @abstractmethod
    def env(self) -> dict[str, str]:
        """The environment an eventsourcing ``Application`` is constructed with."""

    @abstractmethod
    def creating_tables(self) -> contextlib.AbstractContextManager[None]:
        """Held while tables are created (PostgreSQL: the schema's DDL lock)."""

    def application(self, cls: Callable[..., A], /, **kwargs: Any) -> A:
        """``cls(env=..., **kwargs)``: an eventsourcing application on this persistence."""
        with self.creating_tables():
            return cls(env=self.env(), **kwargs)

    def tracking_recorder(self, name: str) -> TrackingRecorder:
        """The positions (and parked items) of the line called ``name``."""
        return self.view(name, postgres=PostgresTrackingRecorder, in_memory=POPOTrackingRecorder)

    @abstractmethod
    def view(self, name: str, *, postgres: type[P], in_memory: type[M]) -> P | M:
        """The read view called ``name``: ``postgres`` on PostgreSQL, ``in_memory`` here
        otherwise (each a ``TrackingRecorder`` that keeps its rows with its position)."""

    @abstractmethod
    def readiness_checks(self) -> Mapping[str, ReadinessCheck]:
        """What a process's readiness asks of this persistence."""


class InMemoryPersistence(Persistence):
    def __init__(self) -> None:
        self._recorders: dict[str, POPOTrackingRecorder] = {}

    def env(self) -> dict[str, str]:
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}

    def creating_tables(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def view(self, name: str, *, postgres: type[P], in_memory: type[M]) -> P | M:
        recorder = self._recorders.get(name)
        if recorder is None:
            recorder = self._recorders[name] = in_memory()
        if not isinstance(recorder, in_memory):
            msg = f"{name!r} is a {type(recorder).__name__}, not a {in_memory.__name__}"
            raise TypeError(msg)
        return recorder

    def readiness_checks(self) -> Mapping[str, ReadinessCheck]:
        return {}


class PostgresPersistence(Persistence):
    def __init__(self, database_url: str, schema: str) -> None:
        self.database_url = database_url
        self.schema = schema
        self._env = eventsourcing_env(database_url, schema)
        ensure_schema(database_url, schema)

    def env(self) -> dict[str, str]:
        return dict(self._env)

    @contextlib.contextmanager
    def creating_tables(self) -> Iterator[None]:
        with table_creation_lock(self.database_url, self.schema):
            yield

    def view(self, name: str, *, postgres: type[P], in_memory: type[M]) -> P | M:
        factory = InfrastructureFactory[P].construct(Environment(name, self._env))
        with self.creating_tables():
            recorder: P = factory.tracking_recorder(postgres)
        return recorder

    def readiness_checks(self) -> Mapping[str, ReadinessCheck]:
        return {"postgresql": database_answers(self.database_url)}
