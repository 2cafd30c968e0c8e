"""Faults on real infrastructure for tests of self-healing: PostgreSQL crash-restarts and
broker kills, through ``scripts/infra`` (its ``restart`` and ``kill`` commands).

Only the servers this checkout's ``scripts/infra`` started can be restarted (the script
refuses external ones), so tests that use this need the suite to run against them, as
``scripts/test`` and CI do; ``InfraFaults.for_servers`` fails with the reason otherwise.
Port choice follows scripts/infra: HOURBANK_PG_PORT, HOURBANK_KAFKA_PORT,
HOURBANK_KAFKA_CONTROLLER_PORT.
"""

from __future__ import annotations

import os
import shlex
import subprocess

from tests.support.infra import INFRA, ROOT

# scripts/infra treats these as "external, do not touch": the faults are meant for ours.
_EXTERNAL = ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")


def _infra(*args: str, timeout: float = 180) -> str:
    env = {k: v for k, v in os.environ.items() if k not in _EXTERNAL}
    done = subprocess.run(
        [str(INFRA), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        msg = f"scripts/infra {' '.join(args)} failed: {(done.stdout + done.stderr).strip()}"
        raise AssertionError(msg)
    return done.stdout


class InfraFaults:
    """Restart or kill the PostgreSQL and Kafka that ``scripts/infra`` runs."""

    @classmethod
    def for_servers(cls, database_url: str, kafka_bootstrap: str) -> InfraFaults:
        """The faults for the servers the tests use, which must be this checkout's."""
        own: dict[str, str] = {}
        for line in _infra("env").splitlines():
            if line.startswith("export "):
                name, _, value = line.removeprefix("export ").partition("=")
                own[name] = shlex.split(value)[0]
        if (own.get("DATABASE_URL"), own.get("KAFKA_BOOTSTRAP_SERVERS")) != (
            database_url,
            kafka_bootstrap,
        ):
            msg = (
                "these tests restart PostgreSQL and kill Kafka, so they need the servers of "
                "this checkout's scripts/infra (as scripts/test uses), not shared or external "
                'ones; run with `eval "$(scripts/infra env)"` from this checkout, or '
                "deselect them with -m 'not restarts_infra'"
            )
            raise AssertionError(msg)
        return cls()

    def restart_postgres(self) -> None:
        """``pg_ctl restart -m immediate``: every connection dropped, crash recovery, back."""
        _infra("restart", "postgres")

    def kill_postgres(self) -> None:
        """``pg_ctl stop -m immediate``, left down until ``start_postgres``."""
        _infra("kill", "postgres")

    def start_postgres(self) -> None:
        _infra("start", "postgres")

    def kill_kafka(self) -> None:
        """SIGKILL the broker, left down until ``start_kafka``."""
        _infra("kill", "kafka")

    def start_kafka(self) -> None:
        """Start the broker again and wait until it is ready."""
        _infra("start", "kafka", timeout=300)

    def restart_kafka(self) -> None:
        _infra("restart", "kafka", timeout=300)
