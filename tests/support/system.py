"""The whole system as real processes: the environment each process is given, and the eight
processes (identity api/relay/projector, learning api/relay, ledger consumer/projector/api)
of one test run, on a schema and topics of their own."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor

from tests.support.auth import KEYS, PUBLIC_KEY_ENV
from tests.support.processes import ServiceProcess, free_port

# Process kind → module run with ``python -m``; the order is the start order.
PROCESS_MODULES: dict[str, str] = {
    "identity-api": "hourbank_identity.entrypoints.http",
    "identity-relay": "hourbank_identity.entrypoints.relay",
    "identity-projector": "hourbank_identity.entrypoints.projector",
    "learning-api": "hourbank_learning.entrypoints.http",
    "learning-relay": "hourbank_learning.entrypoints.relay",
    "ledger-consumer": "hourbank_ledger.entrypoints.consumer",
    "ledger-projector": "hourbank_ledger.entrypoints.projector",
    "ledger-api": "hourbank_ledger.entrypoints.http",
}
HTTP_KINDS = frozenset({"identity-api", "learning-api", "ledger-api"})


def ledger_env(database_url: str, kafka_bootstrap: str, schema: str, run_id: str) -> dict[str, str]:
    """Learning and ledger processes of one run: own schema, topics and consumer group."""
    return {
        "DATABASE_URL": database_url,
        "DATABASE_SCHEMA": schema,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "LEDGER_TOPICS": json.dumps([f"it.{run_id}.learning"]),
        "LEDGER_GROUP_ID": f"it-ledger-{run_id}",
        "LEDGER_DEAD_LETTER_TOPIC": f"it.{run_id}.dead-letter",
        "LEARNING_TOPIC": f"it.{run_id}.learning",
        # The api processes check tokens minted by tests.support.auth with the session's key.
        **PUBLIC_KEY_ENV,
    }


def identity_env(ledger: Mapping[str, str], run_id: str) -> dict[str, str]:
    """``ledger`` plus identity: its topic (which the ledger then consumes too), fresh PII
    keys, and the session's signing key, so that tokens from tests.support.auth are valid
    for identity as well as for the other APIs."""
    return {
        **ledger,
        "IDENTITY_TOPIC": f"it.{run_id}.identity",
        "LEDGER_TOPICS": json.dumps([f"it.{run_id}.learning", f"it.{run_id}.identity"]),
        "IDENTITY_PII_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
        "IDENTITY_LOOKUP_KEY": base64.b64encode(os.urandom(32)).decode(),
        "AUTH_JWT_PRIVATE_KEY": KEYS.private_pem,
    }


def topics_of(env: Mapping[str, str]) -> list[str]:
    """Every topic the run's processes publish to or consume, the dead-letter topic included."""
    names = [*json.loads(env["LEDGER_TOPICS"]), env["LEDGER_DEAD_LETTER_TOPIC"]]
    return list(dict.fromkeys(names))


class System:
    """The processes of one run, each an unstarted :class:`ServiceProcess` until ``start``.

    ``extra_env`` adds variables for one kind (e.g. the ledger api's city mode).
    """

    def __init__(
        self,
        env: Mapping[str, str],
        kinds: Iterable[str] = PROCESS_MODULES,
        extra_env: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.env = dict(env)
        self.urls: dict[str, str] = {}  # the APIs
        # Every process: where it answers /healthz, /readyz and /metrics (the APIs on their
        # HTTP port, the others on a health port of their own).
        self.health_urls: dict[str, str] = {}
        self.processes: dict[str, ServiceProcess] = {}
        for kind in kinds:
            process_env = {**self.env, **(extra_env or {}).get(kind, {})}
            port = free_port()
            if kind in HTTP_KINDS:
                process_env["HTTP_PORT"] = str(port)
                self.urls[kind] = f"http://127.0.0.1:{port}"
            else:
                process_env["HEALTH_PORT"] = str(port)
            self.health_urls[kind] = f"http://127.0.0.1:{port}"
            self.processes[kind] = ServiceProcess(kind, PROCESS_MODULES[kind], process_env)

    def __getitem__(self, kind: str) -> ServiceProcess:
        return self.processes[kind]

    def start(self, healthy_within: float = 60) -> System:
        for process in self.processes.values():
            process.start()
        for kind, url in self.health_urls.items():
            self.processes[kind].wait_healthy(url, timeout=healthy_within)
        return self

    def stop(self) -> None:
        # All at once: each may take its shutdown grace period.
        with ThreadPoolExecutor(max_workers=len(self.processes) or 1) as stopping:
            for done in [stopping.submit(p.stop) for p in self.processes.values()]:
                done.result()
