"""Killing and restarting the Kafka broker and PostgreSQL that this checkout's scripts/infra
started, for fault-schedule tests.

Only infrastructure this checkout owns is ever touched: the broker is found through
scripts/infra's own pid file (``scripts/infra status kafka``) and PostgreSQL through its data
directory, and both must be the ones the test is connected to. Infrastructure named from
outside (``KAFKA_BOOTSTRAP_SERVERS``/``DATABASE_URL`` of someone else's servers) is refused.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

from tests.support.infra import INFRA, ROOT, InfraUnavailableError
from tests.support.waiting import wait_until

_EXTERNAL = ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed child of ours would be a zombie until reaped; the servers are not ours
    # (setsid/pg_ctl), so a vanished /proc entry or a zombie state both mean gone.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


class OwnInfrastructure:
    """The Kafka broker and PostgreSQL server of this checkout's ``scripts/infra``."""

    def __init__(self, kafka_bootstrap: str, database_url: str) -> None:
        # scripts/infra acts on what it started only when nothing external is named.
        self._env = {k: v for k, v in os.environ.items() if k not in _EXTERNAL}
        printed = self._infra("env").stdout
        own = dict(re.findall(r"^export (\w+)=(.*)$", printed, flags=re.MULTILINE))
        if own.get("KAFKA_BOOTSTRAP_SERVERS") != kafka_bootstrap or not _same_server(
            own.get("DATABASE_URL", ""), database_url
        ):
            raise InfraUnavailableError(
                "fault schedules kill the broker and restart PostgreSQL, so they run only "
                "against the Kafka and PostgreSQL that scripts/infra of this checkout started "
                f"(it serves {own.get('KAFKA_BOOTSTRAP_SERVERS')}, the test uses "
                f"{kafka_bootstrap}); start them with scripts/infra start (set "
                "HOURBANK_KAFKA_PORT/HOURBANK_PG_PORT for a private instance) and "
                'eval "$(scripts/infra env)", or deselect with -m "not chaos"'
            )
        self.status()  # both must be running now

    def _infra(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(INFRA), *args],
            env=self._env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise InfraUnavailableError(
                f"scripts/infra {' '.join(args)} failed: {(done.stdout + done.stderr)[-2000:]}"
            )
        return done

    def status(self) -> tuple[int, Path]:
        """The broker's pid and PostgreSQL's data directory; fails unless both are up."""
        printed = self._infra("status").stdout
        broker = re.search(r"^kafka: running \(pid (\d+),", printed, flags=re.MULTILINE)
        data = re.search(r"^postgres: running \(.*, data (.+)\)$", printed, flags=re.MULTILINE)
        if broker is None or data is None:
            raise InfraUnavailableError(f"scripts/infra status: {printed.strip()}")
        return int(broker.group(1)), ROOT / data.group(1)  # an absolute path stays absolute

    def kill_broker(self) -> None:
        """SIGKILL the broker: no clean shutdown, its log is recovered on the next start."""
        pid, _ = self.status()
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not _process_alive(pid), timeout=30, what="the broker to die")

    def start_broker(self) -> None:
        self._infra("start", "kafka")

    def restart_postgres_immediately(self) -> None:
        """What ``pg_ctl restart -m immediate`` does: SIGQUIT to the postmaster (every
        backend ends at once, no checkpoint; the start runs crash recovery), then start."""
        _, data = self.status()
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGQUIT)
        wait_until(lambda: not _process_alive(pid), timeout=30, what="PostgreSQL to stop")
        self._infra("start", "postgres")


def _same_server(one: str, other: str) -> bool:
    """Same host, port and database (the URLs may quote the password differently)."""

    def where(url: str) -> str:
        return url.rsplit("@", 1)[-1]

    return bool(one) and where(one) == where(other)
