"""Running the services' real process entrypoints as subprocesses, so tests can kill them."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO

import httpx

from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


# Ports handed out below the kernel's ephemeral range: a port the kernel chose (bind to 0) is
# also one it hands to outgoing connections, so once a test's process is killed its port may
# be taken by one of the many reconnecting clients before the process is started again on it.
_LOWEST_PORT = 20000
_handed_out: set[int] = set()
_random = random.SystemRandom()


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def free_port() -> int:
    """A port nobody listens on now, outside the ephemeral range, not handed out before in
    this test session."""
    low, _ = _ephemeral_range()
    for _ in range(1000):
        port = _random.randrange(_LOWEST_PORT, max(low, _LOWEST_PORT + 1000))
        if port in _handed_out:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    msg = "no free port below the ephemeral range"
    raise RuntimeError(msg)


class ServiceProcess:
    """One service process (``python -m <module>``) with its log captured to a file."""

    log_files: list[Path] = []  # noqa: RUF012 - every log of the session, scanned at its end

    def __init__(self, name: str, module: str, env: dict[str, str]) -> None:
        self.name = name
        self.module = module
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1", "LOG_JSON": "true"}
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix=f"hourbank-{name}-", suffix=".log", delete=False
        )
        ServiceProcess.log_files.append(Path(self._log.name))

    def start(self) -> ServiceProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module],
            env=self.env,
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        return self

    def kill(self) -> None:
        """SIGKILL: no clean-up, no offset commit, no final flush."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def assert_running(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(
                f"{self.name} exited with {self.process.returncode}:\n{self.log()}"
            )

    def log(self) -> str:
        return self.full_log()[-6000:]

    def full_log(self) -> str:
        """Everything the process wrote so far (stdout and stderr)."""
        return Path(self._log.name).read_text(encoding="utf-8", errors="replace")

    def wait_healthy(self, base_url: str, timeout: float = 30) -> None:
        def healthy() -> bool:
            self.assert_running()
            try:
                return httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(healthy, timeout=timeout, what=f"{self.name} to answer /healthz")
