"""Runs the local system's processes in the foreground with prefixed logs.

Used by scripts/run-local, which also stops the infrastructure afterwards. Ctrl-C (or
SIGTERM) stops every process. A process that exits on its own is started again after a
backoff, as Kubernetes restarts a crashed container (``RestartPolicy``: 1 s, doubling up to
30 s, back to 1 s once it had run for 60 s); every line it wrote, its last traceback included,
is printed before it is restarted.

Once identity's API answers, the bootstrap province administrator is created (the one-off
``admin create-province-admin`` command) and its one-time activation code is printed here.

The APIs listen on 127.0.0.1: identity 8003, learning 8001, ledger 8002. If a port is taken,
choose another with HOURBANK_IDENTITY_PORT, HOURBANK_LEARNING_PORT or HOURBANK_LEDGER_PORT.
The other processes answer /healthz, /readyz and /metrics on a health port each (printed at
start): identity-relay 9101, identity-projector 9102, learning-relay 9103, ledger-consumer
9104, ledger-projector 9105, or HOURBANK_<PROCESS>_HEALTH_PORT (e.g.
HOURBANK_LEDGER_CONSUMER_HEALTH_PORT). The APIs serve the same paths on their own port.
"""

from __future__ import annotations

import json
import os
import queue
import secrets
import selectors
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
ADMIN_LOGIN = "province-admin"
HEALTH_DEADLINE_SECONDS = 120


@dataclass(frozen=True)
class Process:
    module: str
    port_variable: str  # the variable choosing its port (the API's, or its health port)
    default_port: int
    secrets: tuple[str, ...] = ()  # variables only this process receives
    http: bool = False  # an API: the port is HTTP_PORT; otherwise HEALTH_PORT


# Identity's signing key and PII keys reach identity's API (and its admin command) only,
# as in deploy/k8s: the relay, the projector and the other services never see them.
IDENTITY_SECRETS = ("AUTH_JWT_PRIVATE_KEY", "IDENTITY_PII_MASTER_KEY", "IDENTITY_LOOKUP_KEY")
PROCESSES: dict[str, Process] = {
    "identity-api": Process(
        "hourbank_identity.entrypoints.http",
        "HOURBANK_IDENTITY_PORT",
        8003,
        IDENTITY_SECRETS,
        http=True,
    ),
    "identity-relay": Process(
        "hourbank_identity.entrypoints.relay", "HOURBANK_IDENTITY_RELAY_HEALTH_PORT", 9101
    ),
    "identity-projector": Process(
        "hourbank_identity.entrypoints.projector", "HOURBANK_IDENTITY_PROJECTOR_HEALTH_PORT", 9102
    ),
    "learning-api": Process(
        "hourbank_learning.entrypoints.http", "HOURBANK_LEARNING_PORT", 8001, http=True
    ),
    "learning-relay": Process(
        "hourbank_learning.entrypoints.relay", "HOURBANK_LEARNING_RELAY_HEALTH_PORT", 9103
    ),
    "ledger-consumer": Process(
        "hourbank_ledger.entrypoints.consumer", "HOURBANK_LEDGER_CONSUMER_HEALTH_PORT", 9104
    ),
    "ledger-projector": Process(
        "hourbank_ledger.entrypoints.projector", "HOURBANK_LEDGER_PROJECTOR_HEALTH_PORT", 9105
    ),
    "ledger-api": Process(
        "hourbank_ledger.entrypoints.http", "HOURBANK_LEDGER_PORT", 8002, http=True
    ),
}
COLOURS = [
    "\033[36m",
    "\033[35m",
    "\033[33m",
    "\033[32m",
    "\033[34m",
    "\033[96m",
    "\033[95m",
    "\033[93m",
]
REQUIRED = ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "AUTH_JWT_PUBLIC_KEY", *IDENTITY_SECRETS)


def port_of(process: Process) -> int:
    return int(os.environ.get(process.port_variable) or process.default_port)


def port_taken(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return True
    return False


class AdminBootstrap(threading.Thread):
    """Waits until identity's API is healthy, then creates the province administrator once
    and reports the outcome (a message for the terminal) through ``messages``."""

    def __init__(self, env: dict[str, str], port: int, messages: queue.Queue[str]) -> None:
        super().__init__(name="admin-bootstrap", daemon=True)
        self.env = {**env, "LOG_LEVEL": "WARNING"}  # stdout carries the JSON answer
        self.port = port
        self.messages = messages
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.child: subprocess.Popen[str] | None = None

    def run(self) -> None:
        if not self._wait_until_healthy():
            return
        with self.lock:
            if self.stop.is_set():
                return
            self.child = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "hourbank_identity.entrypoints.admin",
                    "create-province-admin",
                    "--login",
                    ADMIN_LOGIN,
                ],
                env=self.env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        stdout, stderr = self.child.communicate()
        if self.stop.is_set():
            return
        self.messages.put(self._report(self.child.returncode, stdout, stderr))

    def terminate(self) -> None:
        with self.lock:
            self.stop.set()
            if self.child is not None and self.child.poll() is None:
                self.child.terminate()

    def _wait_until_healthy(self) -> bool:
        deadline = time.monotonic() + HEALTH_DEADLINE_SECONDS
        url = f"http://{HOST}:{self.port}/healthz"
        while not self.stop.is_set():
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return True
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.messages.put(
                    f"identity-api did not answer {url} within {HEALTH_DEADLINE_SECONDS} s: "
                    f"the province administrator was not created"
                )
                return False
            self.stop.wait(0.5)
        return False

    def _report(self, returncode: int, stdout: str, stderr: str) -> str:
        base = f"http://{HOST}:{self.port}"
        if returncode == 0:
            for line in reversed(stdout.splitlines()):
                try:
                    answer = json.loads(line)
                except ValueError:
                    continue
                if isinstance(answer, dict) and "activation_code" in answer:
                    body = json.dumps(
                        {
                            "login": answer["login"],
                            "activation_code": answer["activation_code"],
                            "password": "CHOOSE-A-PASSWORD",
                        }
                    )
                    return (
                        f"province administrator: login {answer['login']}, one-time activation "
                        f"code {answer['activation_code']} (valid until {answer['expires_at']})\n"
                        f"  choose its password (then POST {base}/v1/auth/login): curl -sS "
                        f"-X POST {base}/v1/accounts/activate -H 'Content-Type: application/json'"
                        f" -d {shlex.quote(body)}"
                    )
            return f"create-province-admin printed no activation code:\n{stdout}{stderr}"
        if "login is taken" in stderr:
            return (
                f"province administrator {ADMIN_LOGIN} exists from an earlier run (PostgreSQL "
                f"keeps its data between runs): log in with its password (POST "
                f"{base}/v1/auth/login); to start afresh, reset the database (infra/README.md)"
            )
        return (
            f"warning: create-province-admin failed with exit status {returncode}; the other "
            f"processes keep running:\n{stderr.strip() or stdout.strip()}"
        )


@dataclass
class RestartPolicy:
    """When to start a crashed process again: Kubernetes' CrashLoopBackOff, shorter.

    The delay doubles with each consecutive crash, from ``initial`` up to ``cap``; a process
    that ran at least ``healthy_after`` seconds before it exited starts the count afresh.
    """

    initial: float = 1.0
    cap: float = 30.0
    healthy_after: float = 60.0
    consecutive_crashes: int = 0

    def delay_after_exit(self, ran_for: float) -> float:
        if ran_for >= self.healthy_after:
            self.consecutive_crashes = 0
        delay: float = min(self.cap, self.initial * 2.0**self.consecutive_crashes)
        self.consecutive_crashes += 1
        return delay


@dataclass
class ChildSpec:
    argv: Sequence[str]
    env: Mapping[str, str]
    prefix: str


@dataclass
class Child:
    name: str
    spec: ChildSpec
    policy: RestartPolicy
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    restarts: int = 0
    pending: bytes = field(default=b"", repr=False)


class Supervisor:
    """Runs ``specs`` as child processes, prefixes and prints every line they write, and
    restarts each one that exits (``RestartPolicy``) until ``stop()``.

    A child counts as exited only once its output reached its end, so its last lines (a
    crash's traceback) are always printed before the exit and the restart are reported.
    """

    def __init__(
        self,
        specs: Mapping[str, ChildSpec],
        *,
        out: IO[str] | None = None,
        policy: Callable[[], RestartPolicy] = RestartPolicy,
        cwd: Path = ROOT,
    ) -> None:
        self.children = {name: Child(name, spec, policy()) for name, spec in specs.items()}
        self.out = out or sys.stdout
        self.cwd = cwd
        self.selector = selectors.DefaultSelector()
        self._stopping = threading.Event()

    def stop(self) -> None:
        """Ask ``run`` to stop every child and return (safe from a signal handler)."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def start_all(self) -> None:
        for child in self.children.values():
            self._start(child)

    def _start(self, child: Child) -> None:
        child.process = subprocess.Popen(
            list(child.spec.argv),
            env=dict(child.spec.env),
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        child.started_at = time.monotonic()
        child.restart_at = None
        assert child.process.stdout is not None
        self.selector.register(child.process.stdout, selectors.EVENT_READ, child)

    def poll(self, timeout: float = 0.5) -> None:
        """Print what the children wrote, notice exits and start what is due."""
        if self.selector.get_map():
            for key, _ in self.selector.select(timeout=timeout):
                self._read(key.data)
        else:  # every child is waiting for its restart
            self._stopping.wait(min(timeout, 0.1))
        now = time.monotonic()
        for child in self.children.values():
            if child.restart_at is not None and now >= child.restart_at and not self.stopping:
                child.restarts += 1
                self.say(f"{child.name}: starting again (restart {child.restarts})")
                self._start(child)

    def _read(self, child: Child) -> None:
        assert child.process is not None
        stream = child.process.stdout
        assert stream is not None
        # The selector said it is readable, so this returns at once (b"" at the end).
        chunk = os.read(stream.fileno(), 65536)
        if chunk:
            *lines, child.pending = (child.pending + chunk).split(b"\n")
            for line in lines:
                self.out.write(child.spec.prefix + line.decode("utf-8", "replace") + "\n")
            self.out.flush()
            return
        # End of output: everything the process wrote is printed; now it has exited.
        if child.pending:
            self.out.write(child.spec.prefix + child.pending.decode("utf-8", "replace") + "\n")
            child.pending = b""
        self.selector.unregister(stream)
        stream.close()
        returncode = child.process.wait()
        if self.stopping:
            return
        ran_for = time.monotonic() - child.started_at
        delay = child.policy.delay_after_exit(ran_for)
        child.restart_at = time.monotonic() + delay
        self.say(
            f"{child.name} exited with {returncode} after {ran_for:.1f} s; "
            f"starting it again in {delay:.1f} s"
        )

    def shutdown(self, grace: float = 15) -> None:
        """Terminate every child, keep printing their output to its end, kill stragglers."""
        self._stopping.set()
        for child in self.children.values():
            if child.process is not None and child.process.poll() is None:
                child.process.terminate()
        deadline = time.monotonic() + grace
        while self.selector.get_map() and time.monotonic() < deadline:
            for key, _ in self.selector.select(timeout=0.2):
                self._read(key.data)
        for child in self.children.values():
            if child.process is not None and child.process.poll() is None:
                child.process.kill()
                child.process.wait()
        for key in list(self.selector.get_map().values()):
            self.selector.unregister(key.fileobj)


def main() -> int:
    for name in REQUIRED:
        if not os.environ.get(name):
            print(f"error: {name} is not set (run through scripts/run-local)", file=sys.stderr)
            return 1
    for name, process in PROCESSES.items():
        port = port_of(process)
        if port_taken(port):
            print(
                f"error: {name}: port {port} on {HOST} is in use; "
                f"choose another with {process.port_variable}=<port>",
                file=sys.stderr,
            )
            return 1

    # City mode for Zaozhuang unless told otherwise (LEDGER_REGION_CODE= for provincial mode).
    # A statement signing key made for this run only (no secret lives in the repository):
    # statements issued now stop verifying once the system restarts with another key.
    shared = {
        "LEDGER_REGION_CODE": "370400",
        "STATEMENT_SIGNING_KEY": secrets.token_urlsafe(32),
        **{key: value for key, value in os.environ.items() if key not in IDENTITY_SECRETS},
        "PYTHONUNBUFFERED": "1",
        "LOG_JSON": "false",
    }
    width = max(map(len, PROCESSES))
    tty = sys.stdout.isatty()
    messages: queue.Queue[str] = queue.Queue()
    bootstrap: AdminBootstrap | None = None
    specs: dict[str, ChildSpec] = {}
    for index, (name, process) in enumerate(PROCESSES.items()):
        env = {**shared, **{key: os.environ[key] for key in process.secrets}}
        port = port_of(process)
        if process.http:
            env["HTTP_HOST"], env["HTTP_PORT"] = HOST, str(port)
        else:
            env["HEALTH_HOST"], env["HEALTH_PORT"] = HOST, str(port)
        prefix = f"{name:<{width}} | "
        if tty:
            prefix = f"{COLOURS[index % len(COLOURS)]}{prefix}\033[0m"
        specs[name] = ChildSpec([sys.executable, "-m", process.module], env, prefix)
        if name == "identity-api":
            bootstrap = AdminBootstrap(env, port, messages)
    supervisor = Supervisor(specs)

    def request_stop(signum: int, frame: object) -> None:
        supervisor.stop()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    urls = ", ".join(
        f"{name.removesuffix('-api')} API http://{HOST}:{port_of(process)}/docs"
        for name, process in PROCESSES.items()
        if process.http
    )
    health = ", ".join(
        f"{name} http://{HOST}:{port_of(process)}"
        for name, process in PROCESSES.items()
        if not process.http
    )
    print(f"hourbank is starting: {urls}. Ctrl-C stops everything.", flush=True)
    print(f"health (/healthz, /readyz, /metrics): {health}", flush=True)
    supervisor.start_all()
    if bootstrap is not None:
        bootstrap.start()
    while not supervisor.stopping:
        supervisor.poll()
        while not messages.empty():
            banner = "==> " if not tty else "\033[1m==> "
            print(f"{banner}{messages.get_nowait()}" + ("\033[0m" if tty else ""), flush=True)

    print("stopping every process", flush=True)
    if bootstrap is not None:
        bootstrap.terminate()
    supervisor.shutdown(grace=15)
    if bootstrap is not None:
        bootstrap.join(timeout=5)
        if bootstrap.child is not None and bootstrap.child.poll() is None:
            bootstrap.child.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
