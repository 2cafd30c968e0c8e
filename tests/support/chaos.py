"""Seeded fault schedules against the whole system, every service a real process.

A schedule, reproducible from its seed, starts the eight processes on a schema and topics of
its own, sends a workload of HTTP requests (professionals registered with identity, course
completions recorded with learning), each retried like a real client retries (same body, with
backoff) until it is answered, and meanwhile injects faults at random moments: SIGKILL of each
process kind (restarted after a moment, as a supervisor or Kubernetes would), an immediate
PostgreSQL restart, a broker kill and restart, copies of records already on the topics
re-published in another order, and poison records on the consumed topics.

After the workload, with a deadline for the system to settle, the invariant is:
* the ledger's hour banks (its API) equal an independent fold of the completions that were
  answered 2xx, subject by subject: nothing lost, nothing doubled;
* every registered professional is in the ledger's directory (an employer may read them);
* every poison record is on the dead-letter topic, and nothing else is;
* every process is up without help: no process exited unless this harness killed it (one that
  did is restarted with backoff, as Kubernetes would, and reported), the APIs answer, and a
  canary sent after the last fault flows through every process.

``python -m tests.support.chaos --schedules N --seed S`` (``scripts/chaos``) runs N schedules
with seeds S, S+1, ...; the pytest marker ``chaos`` runs a few in the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import psycopg
import stamina
from psycopg import sql

from hourbank_common.auth import Role
from hourbank_contracts import CourseCompletedV1
from services.identity.tests.synthetic import credit_code_text, national_id_text
from tests.support import system
from tests.support.auth import (
    bearer,
    organisation_admin,
    professional,
    province_admin,
    title_client,
)
from tests.support.infra_faults import InfraFaults
from tests.support.kafka_io import create_topics, delete_topics, read_to_end, republish
from tests.support.waiting import wait_until

PROCESS_KINDS = tuple(system.PROCESS_MODULES)
KILL = "kill "
POSTGRES_RESTART = "postgres restart"
BROKER_RESTART = "broker restart"
DUPLICATES = "duplicates"
POISON = "poison"
FAULT_KINDS = (
    *(KILL + kind for kind in PROCESS_KINDS),
    POSTGRES_RESTART,
    BROKER_RESTART,
    DUPLICATES,
    POISON,
)
CITY = "370400"  # Zaozhuang: the ledger's city and the completions' platform
DISTRICT = "370402"  # the employer's district in Zaozhuang
STUDY_YEAR = 2024  # a year the Zaozhuang policy covers
HOURS = ("0.5", "1", "1.5", "2", "2.5", "3", "4", "8")
SUBJECTS = ("public", "professional")

# How long one attempt of a request may take, and how long a client keeps retrying it.
REQUEST_TIMEOUT = 10.0
READY_DEADLINE_SECONDS = 30.0
CLIENT_PATIENCE = 180.0


# ---------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class CompletionSpec:
    course_id: str
    subject: str
    hours: str
    completed_at: str


@dataclass(frozen=True)
class PersonTask:
    """One professional: registered with identity first (``id_number`` set), or known to
    the learning platform only; then their completions, one after the other."""

    index: int
    at: float
    id_number: str | None
    completions: tuple[CompletionSpec, ...]


@dataclass(frozen=True)
class Fault:
    index: int
    at: float
    kind: str
    down_for: float


@dataclass(frozen=True)
class Plan:
    seed: int
    duration: float
    tasks: tuple[PersonTask, ...]
    faults: tuple[Fault, ...]

    @classmethod
    def from_seed(cls, seed: int, *, duration: float, persons: int, extra_faults: int) -> Plan:
        """Every fault kind once plus ``extra_faults`` more, at random moments of the middle
        of the workload, which spreads ``persons`` professionals over ``duration`` seconds."""
        rng = random.Random(seed)
        tasks = []
        for index in range(persons):
            registered = rng.random() < 0.6
            born = date(1965, 1, 1) + timedelta(days=rng.randrange(30 * 365))
            completions = tuple(
                CompletionSpec(
                    course_id=f"CH-{index}-{n}",
                    subject=rng.choice(SUBJECTS),
                    hours=rng.choice(HOURS),
                    completed_at=f"{STUDY_YEAR}-{rng.randint(1, 12):02d}-"
                    f"{rng.randint(1, 28):02d}T10:00:00+08:00",
                )
                for n in range(rng.randint(1, 3))
            )
            tasks.append(
                PersonTask(
                    index=index,
                    at=round(rng.uniform(0, duration), 2),
                    id_number=(
                        national_id_text(DISTRICT, born, f"{index % 1000:03d}")
                        if registered
                        else None
                    ),
                    completions=completions,
                )
            )
        kinds = [*FAULT_KINDS, *(rng.choice(FAULT_KINDS) for _ in range(extra_faults))]
        rng.shuffle(kinds)
        faults = sorted(
            (
                Fault(
                    index=0,
                    at=round(rng.uniform(0.1 * duration, 0.8 * duration), 2),
                    kind=kind,
                    down_for=round(rng.uniform(0.2, 3.0), 2),
                )
                for kind in kinds
            ),
            key=lambda fault: fault.at,
        )
        return cls(
            seed=seed,
            duration=duration,
            tasks=tuple(sorted(tasks, key=lambda task: task.at)),
            faults=tuple(
                Fault(i, fault.at, fault.kind, fault.down_for) for i, fault in enumerate(faults)
            ),
        )


# ---------------------------------------------------------------------------- results


@dataclass
class ScheduleResult:
    seed: int
    symptoms: list[str] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)
    duplicated_records: int = 0
    poison_records: int = 0
    registrations: int = 0
    completions: int = 0
    retries: int = 0
    unplanned_exits: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def survived(self) -> bool:
        return not self.symptoms


@dataclass
class Report:
    results: list[ScheduleResult] = field(default_factory=list)

    @property
    def failures(self) -> list[ScheduleResult]:
        return [result for result in self.results if not result.survived]

    def summary(self) -> str:
        faults: Counter[str] = Counter()
        for result in self.results:
            faults.update(result.faults)
        run, survived = len(self.results), len(self.results) - len(self.failures)
        lines = [
            f"fault schedules: {run} run, {survived} survived, {run - survived} failed",
            "faults injected by kind: "
            + ", ".join(f"{kind} {faults[kind]}" for kind in FAULT_KINDS),
            f"records re-published as duplicates: "
            f"{sum(r.duplicated_records for r in self.results)}, poison records: "
            f"{sum(r.poison_records for r in self.results)}",
            f"requests answered 2xx: {sum(r.registrations for r in self.results)} "
            f"registrations, {sum(r.completions for r in self.results)} completions, "
            f"after {sum(r.retries for r in self.results)} client retries",
        ]
        exits: Counter[str] = Counter()
        for result in self.results:
            exits.update(result.unplanned_exits)
        if exits:
            lines.append(
                "processes that exited by themselves: "
                + ", ".join(f"{kind} {count}" for kind, count in sorted(exits.items()))
            )
        for result in self.failures:
            lines.append(
                f"FAILED seed {result.seed} (replay: scripts/chaos --schedules 1 "
                f"--seed {result.seed}):"
            )
            lines.extend(f"  - {symptom}" for symptom in result.symptoms)
        return "\n".join(lines)


# ---------------------------------------------------------------------------- clients


class _RetryableAnswer(Exception):
    def __init__(self, answer: httpx.Response) -> None:
        super().__init__(f"{answer.status_code}: {answer.text[:200]}")
        self.answer = answer


class PatientClient:
    """A client as a real one behaves: the same request again, with backoff, when it fails
    to get an answer or gets a 5xx or 429, until it is answered or its patience ends."""

    def __init__(self, patience: float = CLIENT_PATIENCE) -> None:
        self.patience = patience
        self.retries = 0
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=REQUEST_TIMEOUT)

    def send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        for attempt in stamina.retry_context(
            on=(httpx.TransportError, _RetryableAnswer),
            attempts=None,
            timeout=self.patience,
            wait_initial=0.2,
            wait_max=2.0,
        ):
            with attempt:
                if attempt.num > 1:
                    with self._lock:
                        self.retries += 1
                answer = self._http.request(method, url, **kwargs)
                if answer.status_code >= 500 or answer.status_code == 429:
                    raise _RetryableAnswer(answer)
                return answer
        raise AssertionError("unreachable: stamina raises when it gives up")

    def close(self) -> None:
        self._http.close()


# ---------------------------------------------------------------------------- the schedule


class _Aborted(Exception):
    pass


class Schedule:
    """One schedule: its system, workload, faults and the check of the invariant."""

    def __init__(
        self,
        plan: Plan,
        infra: InfraFaults,
        *,
        kafka_bootstrap: str,
        database_url: str,
        settle_within: float,
        say: Callable[[str], None],
    ) -> None:
        self.plan = plan
        self.infra = infra
        self.kafka = kafka_bootstrap
        self.database_url = database_url
        self.settle_within = settle_within
        self.say = say
        self.result = ScheduleResult(seed=plan.seed)
        self.run_id = f"chaos{plan.seed}x{uuid.uuid4().hex[:6]}"
        self.schema = f"chaos_{plan.seed}_{uuid.uuid4().hex[:6]}"
        env = system.identity_env(
            system.ledger_env(database_url, kafka_bootstrap, self.schema, self.run_id),
            self.run_id,
        )
        ledger_city = {"LEDGER_REGION_CODE": CITY}
        self.system = system.System(
            env,
            extra_env={kind: ledger_city for kind in PROCESS_KINDS if kind.startswith("ledger")},
        )
        self.topics = system.topics_of(env)
        self.consumed = [t for t in self.topics if t != env["LEDGER_DEAD_LETTER_TOPIC"]]
        self.dead_letter_topic = env["LEDGER_DEAD_LETTER_TOPIC"]
        self.client = PatientClient()
        self.admin = bearer(province_admin())
        # What the answers said, folded independently of the system.
        self.expected: dict[uuid.UUID, dict[str, Decimal]] = {}
        self.registered: list[uuid.UUID] = []
        self.poison_keys: set[bytes] = set()
        self._fold_lock = threading.Lock()
        # Supervision: a kind is "held" while a fault or the supervisor restarts it.
        self._held = {kind: threading.Lock() for kind in PROCESS_KINDS}
        self._stop = threading.Event()
        self._t0 = 0.0
        self.employer_id = ""
        self.industry_authority_id = ""

    # -- running

    def run(self) -> ScheduleResult:
        started = time.monotonic()
        self.say(f"schedule seed {self.plan.seed}: {self._describe()}")
        try:
            asyncio.run(create_topics(self.kafka, self.topics))
            self.system.start(healthy_within=120)
            self._register_organisations()
            supervisor = threading.Thread(target=self._supervise, daemon=True)
            supervisor.start()
            self._t0 = time.monotonic()
            with ThreadPoolExecutor(max_workers=4, thread_name_prefix="client") as clients:
                faults = [
                    threading.Thread(target=self._inject, args=(fault,), daemon=True)
                    for fault in self.plan.faults
                ]
                for thread in faults:
                    thread.start()
                pending = []
                for task in self.plan.tasks:
                    self._sleep_until(task.at)
                    pending.append(clients.submit(self._person, task))
                for thread in faults:
                    thread.join(timeout=CLIENT_PATIENCE)
                    if thread.is_alive():
                        self.result.symptoms.append("a fault injection did not finish")
                for future in pending:
                    future.result()
            self.say(f"  {self._now():6.1f}s workload answered; canary, then settling")
            self._person(PersonTask(-1, 0, national_id_text(DISTRICT, sequence="999"), ()))
            self._person(
                PersonTask(
                    -2,
                    0,
                    None,
                    (CompletionSpec("CH-canary", "public", "1", f"{STUDY_YEAR}-12-01T10:00:00Z"),),
                )
            )
            canary_org = self._register_employer("枣庄市哨兵医院", "91370402MA3D8YKQ7")
            self._check_settled(canary_org)
            self._check_processes()
        except Exception as error:  # the schedule failed; its symptom is the error
            self.result.symptoms.append(f"{type(error).__name__}: {error}")
        finally:
            self._stop.set()
            self.result.retries = self.client.retries
            self._tear_down()
            self.result.seconds = round(time.monotonic() - started, 1)
        outcome = "survived" if self.result.survived else "FAILED"
        self.say(f"schedule seed {self.plan.seed}: {outcome} in {self.result.seconds}s")
        return self.result

    def _describe(self) -> str:
        completions = sum(len(task.completions) for task in self.plan.tasks)
        registered = sum(task.id_number is not None for task in self.plan.tasks)
        faults = ", ".join(f"{f.at}s {f.kind}" for f in self.plan.faults)
        return (
            f"{len(self.plan.tasks)} professionals ({registered} registered), "
            f"{completions} completions over {self.plan.duration}s; faults: {faults}"
        )

    def _now(self) -> float:
        return time.monotonic() - self._t0

    def _sleep_until(self, at: float) -> None:
        # The plan's timeline, not a wait for a condition: the moment is the test's input.
        if self._stop.wait(max(0.0, at - self._now())):
            raise _Aborted

    # -- the workload

    def _register_organisations(self) -> None:
        identity = self.system.urls["identity-api"]
        for kind, name, region in (
            ("hr_authority", "枣庄市人力资源和社会保障局", CITY),
            ("industry_authority", "枣庄市卫生健康委员会", CITY),
        ):
            answer = self.client.send(
                "POST",
                f"{identity}/v1/organisations",
                json={"kind": kind, "name": name, "region_code": region},
                headers=self.admin,
            )
            assert answer.status_code in (200, 201), answer.text
            if kind == "industry_authority":
                self.industry_authority_id = answer.json()["organisation_id"]
        self.employer_id = self._register_employer("枣庄市立医院", "91370402MA3D8YLR2")

    def _register_employer(self, name: str, credit_first17: str) -> str:
        answer = self.client.send(
            "POST",
            f"{self.system.urls['identity-api']}/v1/organisations",
            json={
                "kind": "employer",
                "name": name,
                "region_code": DISTRICT,
                "credit_code": credit_code_text(credit_first17),
                "industry_authority_id": self.industry_authority_id,
            },
            headers=self.admin,
        )
        assert answer.status_code in (200, 201), answer.text
        organisation_id: str = answer.json()["organisation_id"]
        return organisation_id

    def _person(self, task: PersonTask) -> None:
        if task.id_number is not None:
            answer = self.client.send(
                "POST",
                f"{self.system.urls['identity-api']}/v1/persons",
                json={
                    "name": f"测试{task.index % 100:02d}",
                    "id_number": task.id_number,
                    "organisation_id": self.employer_id,
                },
                headers=self.admin,
            )
            if answer.status_code not in (200, 201):
                self.result.symptoms.append(
                    f"registration {task.index} answered {answer.status_code}: {answer.text[:300]}"
                )
                return
            person_id = uuid.UUID(answer.json()["person_id"])
            with self._fold_lock:
                self.registered.append(person_id)
                self.result.registrations += 1
        else:
            person_id = uuid.UUID(
                int=random.Random(f"{self.plan.seed}:{task.index}").getrandbits(128)
            )
        token = bearer(
            professional(person_id, DISTRICT, (self.employer_id, self.industry_authority_id))
        )
        for spec in task.completions:
            answer = self.client.send(
                "POST",
                f"{self.system.urls['learning-api']}/v1/completions",
                json={
                    "person_id": str(person_id),
                    "course_id": spec.course_id,
                    "study_year": STUDY_YEAR,
                    "subject": spec.subject,
                    "hours": spec.hours,
                    "region_code": CITY,
                    "completed_at": spec.completed_at,
                },
                headers=token,
            )
            if answer.status_code not in (200, 201):
                self.result.symptoms.append(
                    f"completion {spec.course_id} answered {answer.status_code}: "
                    f"{answer.text[:300]}"
                )
                continue
            with self._fold_lock:
                subjects = self.expected.setdefault(person_id, {})
                subjects[spec.subject] = subjects.get(spec.subject, Decimal(0)) + Decimal(
                    spec.hours
                )
                self.result.completions += 1

    # -- faults

    def _inject(self, fault: Fault) -> None:
        try:
            self._sleep_until(fault.at)
        except _Aborted:
            return
        rng = random.Random(f"{self.plan.seed}:fault:{fault.index}")
        self.say(f"  {self._now():6.1f}s {fault.kind} (down {fault.down_for}s)")
        try:
            if fault.kind.startswith(KILL):
                kind = fault.kind.removeprefix(KILL)
                with self._held[kind]:
                    self.system[kind].kill()
                    self._stop.wait(fault.down_for)  # a supervisor's restart delay
                    self.system[kind].start()
            elif fault.kind == POSTGRES_RESTART:
                self.infra.restart_postgres()
            elif fault.kind == BROKER_RESTART:
                self.infra.kill_kafka()
                self._stop.wait(fault.down_for)
                self.infra.start_kafka()
            elif fault.kind == DUPLICATES:
                self.result.duplicated_records += self._duplicate(rng)
            elif fault.kind == POISON:
                self.result.poison_records += self._poison(rng, fault.index)
            self.result.faults[fault.kind] += 1
            self.say(f"  {self._now():6.1f}s {fault.kind}: done")
        except Exception as error:
            self.result.symptoms.append(f"injecting {fault.kind} failed: {error!r}")

    def _while_broker_answers(self, action: Callable[[], Any]) -> Any:
        """A producer or reader of ours retries while the broker restarts, as any would."""
        for attempt in stamina.retry_context(on=Exception, attempts=None, timeout=120):
            with attempt:
                return action()
        raise AssertionError("unreachable: stamina raises when it gives up")

    def _duplicate(self, rng: random.Random) -> int:
        """Copies of up to 20 records already on the consumed topics, in a shuffled order."""
        records: list[Any] = []
        for topic in self.consumed:

            def read(topic: str = topic) -> list[Any]:
                return asyncio.run(read_to_end(self.kafka, topic, timeout=30))

            records.extend(self._while_broker_answers(read))
        copies = rng.sample(records, min(20, len(records)))
        rng.shuffle(copies)
        if copies:
            self._while_broker_answers(lambda: asyncio.run(republish(self.kafka, copies)))
        return len(copies)

    def _poison(self, rng: random.Random, index: int) -> int:
        """Four records the ledger can never apply: garbage without headers, garbage with
        headers, an unknown ce_type, a known type with an invalid payload."""
        topic = rng.choice(self.consumed)

        def headers(ce_type: str) -> list[tuple[str, bytes]]:
            return [
                ("ce_specversion", b"1.0"),
                ("ce_id", uuid.UUID(int=rng.getrandbits(128)).bytes.hex().encode()),
                ("ce_type", ce_type.encode()),
                ("ce_source", b"/chaos"),
                ("ce_time", b"2024-09-10T02:00:00Z"),
                ("content-type", b"application/json"),
            ]

        bodies = [
            (rng.randbytes(64), []),
            (rng.randbytes(64), headers(CourseCompletedV1.event_type)),
            (b'{"what": "not a type of ours"}', headers("hourbank.chaos.unknown.v1")),
            (
                b'{"person_id": "nobody", "hours": "-5", "study_year": 1066}',
                headers(CourseCompletedV1.event_type),
            ),
        ]
        records = []
        for n, (value, record_headers) in enumerate(bodies):
            key = f"chaos-poison-{self.run_id}-{index}-{n}".encode()
            self.poison_keys.add(key)
            records.append(_Record(topic, rng.randrange(3), key, value, record_headers))
        self._while_broker_answers(lambda: asyncio.run(republish(self.kafka, records)))
        return len(records)

    # -- supervision

    def _supervise(self) -> None:
        """Restart a process that exited although no fault killed it, with backoff, as
        Kubernetes would, and report it: a process should survive what the faults do."""
        restarts: Counter[str] = Counter()
        while not self._stop.wait(0.2):
            for kind in PROCESS_KINDS:
                if not self._held[kind].acquire(blocking=False):
                    continue  # a fault is killing and restarting it
                try:
                    popen = self.system[kind].process
                    if popen is None or popen.poll() is None:
                        continue
                    self.result.unplanned_exits[kind] += 1
                    self.result.symptoms.append(
                        f"{kind} exited by itself with {popen.returncode} at "
                        f"{self._now():.1f}s: {_last_error(self.system[kind].log())}"
                    )
                    self._stop.wait(min(8.0, 0.5 * 2 ** restarts[kind]))
                    restarts[kind] += 1
                    if not self._stop.is_set():
                        self.system[kind].start()
                finally:
                    self._held[kind].release()

    # -- the invariant

    def _check_settled(self, canary_org: str) -> None:
        checks: dict[str, Callable[[], str | None]] = {
            "hour banks": self._hour_banks_differ,
            "directory": self._directory_incomplete,
            "dead letters": self._dead_letters_differ,
            "organisation search": lambda: self._not_searchable(canary_org),
        }
        deadline = time.monotonic() + self.settle_within
        last: dict[str, str | None] = {}

        def settled() -> bool:
            for name, check in checks.items():
                if last.get(name, "pending") is not None:
                    try:
                        last[name] = check()
                    except Exception as error:  # not answering yet counts as not settled
                        last[name] = f"{type(error).__name__}: {error}"
            return all(value is None for value in last.values())

        try:
            wait_until(
                settled,
                timeout=max(1.0, deadline - time.monotonic()),
                what="the system to settle",
                interval=0.5,
            )
        except AssertionError:
            for name, symptom in last.items():
                if symptom is not None:
                    self.result.symptoms.append(
                        f"{name} not settled after {self.settle_within}s: {symptom}"
                    )

    def _hour_banks_differ(self) -> str | None:
        persons = sorted(self.expected)
        ledger = self.system.urls["ledger-api"]
        found: dict[uuid.UUID, dict[str, Decimal]] = {}
        for start in range(0, len(persons), 500):
            answer = httpx.post(
                f"{ledger}/v1/hours/batch",
                json={
                    "study_year": STUDY_YEAR,
                    "person_ids": [str(p) for p in persons[start : start + 500]],
                },
                headers=bearer(title_client()),
                timeout=REQUEST_TIMEOUT,
            )
            if answer.status_code != 200:
                return f"batch query answered {answer.status_code}: {answer.text[:300]}"
            for verdict in answer.json()["results"]:
                found[uuid.UUID(verdict["person_id"])] = {
                    subject: Decimal(total["raw"])
                    for subject, total in verdict["hours_by_subject"].items()
                    if Decimal(total["raw"])
                }
        lost, doubled = [], []
        for person, subjects in self.expected.items():
            for subject in SUBJECTS:
                want = subjects.get(subject, Decimal(0))
                have = found.get(person, {}).get(subject, Decimal(0))
                if have < want:
                    lost.append(f"{person} {subject} {have}/{want}")
                elif have > want:
                    doubled.append(f"{person} {subject} {have}/{want}")
        if not lost and not doubled:
            return None
        return (
            f"{len(lost)} person-subjects short (lost hours): {lost[:5]}; "
            f"{len(doubled)} over (doubled hours): {doubled[:5]}"
        )

    def _directory_incomplete(self) -> str | None:
        if not self.registered:
            return None
        answer = httpx.post(
            f"{self.system.urls['ledger-api']}/v1/hours/batch",
            json={"study_year": STUDY_YEAR, "person_ids": [str(p) for p in self.registered]},
            headers=bearer(organisation_admin(Role.EMPLOYER_ADMIN, self.employer_id, DISTRICT)),
            timeout=REQUEST_TIMEOUT,
        )
        if answer.status_code == 200:
            return None
        return (
            f"the employer may not read all {len(self.registered)} registered professionals "
            f"({answer.status_code}: {answer.text[:300]})"
        )

    def _dead_letters_differ(self) -> str | None:
        parked = asyncio.run(read_to_end(self.kafka, self.dead_letter_topic, timeout=20))
        keys = {record.key for record in parked}
        missing = self.poison_keys - keys
        others = [record for record in parked if record.key not in self.poison_keys]
        if not missing and not others:
            return None
        reasons = Counter(
            dict(record.headers).get("dlq_reason", b"?").decode() for record in others
        )
        return (
            f"{len(missing)} of {len(self.poison_keys)} poison records not dead-lettered; "
            f"{len(others)} other records dead-lettered (reasons: {dict(reasons)})"
        )

    def _not_searchable(self, organisation_id: str) -> str | None:
        answer = httpx.get(
            f"{self.system.urls['identity-api']}/v1/organisations",
            params={"q": "哨兵医院", "kind": "employer"},
            headers=self.admin,
            timeout=REQUEST_TIMEOUT,
        )
        if answer.status_code != 200:
            return f"search answered {answer.status_code}"
        ids = {item["organisation_id"] for item in answer.json()["items"]}
        return None if organisation_id in ids else "the canary employer is not searchable"

    def _check_processes(self) -> None:
        for kind in PROCESS_KINDS:
            popen = self.system[kind].process
            if popen is None or popen.poll() is not None:
                self.result.symptoms.append(f"{kind} is not running at the end")
        for kind, url in self.system.health_urls.items():
            for probe in ("/healthz", "/readyz"):  # alive, and its dependencies answer
                symptom = self._probe_until_ok(f"{url}{probe}")
                if symptom is not None:
                    self.result.symptoms.append(f"{kind} {probe} {symptom}")

    @staticmethod
    def _probe_until_ok(url: str) -> str | None:
        """None once ``url`` answers 200 within READY_DEADLINE_SECONDS, else what it last
        answered (a readiness probe may be 503 for a moment while a process reconnects
        after a broker restart, as Kubernetes allows; it must not stay so)."""
        deadline = time.monotonic() + READY_DEADLINE_SECONDS
        while True:
            try:
                answer = httpx.get(url, timeout=REQUEST_TIMEOUT)
                if answer.status_code == 200:
                    return None
                last = f"answered {answer.status_code}: {answer.text[:300]}"
            except httpx.TransportError as error:
                last = f"failed: {error!r}"
            if time.monotonic() >= deadline:
                return f"{last} (for {READY_DEADLINE_SECONDS:.0f}s)"
            time.sleep(0.5)

    # -- clean-up

    def _tear_down(self) -> None:
        self.client.close()
        self.system.stop()
        with contextlib.suppress(Exception):
            asyncio.run(delete_topics(self.kafka, self.topics))
        with (
            contextlib.suppress(psycopg.Error),
            psycopg.connect(self.database_url, autocommit=True) as conn,
        ):
            conn.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema))
            )


def _last_error(log: str) -> str:
    """The last line of a traceback's final exception in ``log``, else its last line."""
    lines = [line.strip() for line in log.strip().splitlines() if line.strip()]
    errors = [line for line in lines if _EXCEPTION_LINE.match(line)]
    return (errors or lines or ["(no output)"])[-1][:500]


_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*")


@dataclass(frozen=True)
class _Record:
    """A record to send (the attributes ``republish`` reads from a ConsumerRecord)."""

    topic: str
    partition: int
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


# ---------------------------------------------------------------------------- running many


@dataclass(frozen=True)
class Settings:
    schedules: int = 2
    seed: int = 0
    duration: float = 20.0
    persons: int = 24
    extra_faults: int = 2
    settle_within: float = 120.0


def run_schedules(
    settings: Settings,
    *,
    kafka_bootstrap: str,
    database_url: str,
    say: Callable[[str], None] = print,
) -> Report:
    infra = InfraFaults.for_servers(database_url, kafka_bootstrap)
    report = Report()
    for seed in range(settings.seed, settings.seed + settings.schedules):
        plan = Plan.from_seed(
            seed,
            duration=settings.duration,
            persons=settings.persons,
            extra_faults=settings.extra_faults,
        )
        schedule = Schedule(
            plan,
            infra,
            kafka_bootstrap=kafka_bootstrap,
            database_url=database_url,
            settle_within=settings.settle_within,
            say=say,
        )
        report.results.append(schedule.run())
        # The next schedule starts on infrastructure that is up again, whatever happened.
        infra.start_postgres()
        infra.start_kafka()
    return report


def settings_from(env: Mapping[str, str], **overrides: Any) -> Settings:
    """The pytest run's settings: ``HOURBANK_CHAOS_SCHEDULES`` and ``HOURBANK_CHAOS_SEED``
    (a random seed, printed, when unset)."""
    seed = int(env.get("HOURBANK_CHAOS_SEED") or random.SystemRandom().randrange(10**6))
    return Settings(schedules=int(env.get("HOURBANK_CHAOS_SCHEDULES", "2")), seed=seed, **overrides)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/chaos", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("--schedules", type=int, default=10, help="how many schedules (10)")
    parser.add_argument(
        "--seed", type=int, default=None, help="seed of the first schedule (random)"
    )
    parser.add_argument("--duration", type=float, default=Settings.duration)
    parser.add_argument("--persons", type=int, default=Settings.persons)
    parser.add_argument("--extra-faults", type=int, default=Settings.extra_faults)
    parser.add_argument("--settle-within", type=float, default=Settings.settle_within)
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    # The clients' retries are part of the workload; stamina's warning per retry is noise.
    stamina.instrumentation.set_on_retry_hooks([])
    report = run_schedules(
        Settings(
            schedules=args.schedules,
            seed=seed,
            duration=args.duration,
            persons=args.persons,
            extra_faults=args.extra_faults,
            settle_within=args.settle_within,
        ),
        kafka_bootstrap=os.environ["KAFKA_BOOTSTRAP_SERVERS"],
        database_url=os.environ["DATABASE_URL"],
        say=lambda line: print(line, flush=True),
    )
    print(report.summary(), flush=True)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
