"""Runs the local system's processes in the foreground with prefixed logs.

Used by scripts/run-local, which also stops the infrastructure afterwards. Ctrl-C (or
SIGTERM) stops every process; so does any process exiting on its own.

Once identity's API answers, the bootstrap province administrator is created (the one-off
``admin create-province-admin`` command) and its one-time activation code is printed here.

The APIs listen on 127.0.0.1: identity 8003, learning 8001, ledger 8002. If a port is taken,
choose another with HOURBANK_IDENTITY_PORT, HOURBANK_LEARNING_PORT or HOURBANK_LEDGER_PORT.
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
ADMIN_LOGIN = "province-admin"
HEALTH_DEADLINE_SECONDS = 120


@dataclass(frozen=True)
class Process:
    module: str
    port_variable: str | None = None  # HTTP processes: the variable choosing their port
    default_port: int | None = None
    secrets: tuple[str, ...] = ()  # variables only this process receives


# Identity's signing key and PII keys reach identity's API (and its admin command) only,
# as in deploy/k8s: the relay, the projector and the other services never see them.
IDENTITY_SECRETS = ("AUTH_JWT_PRIVATE_KEY", "IDENTITY_PII_MASTER_KEY", "IDENTITY_LOOKUP_KEY")
PROCESSES: dict[str, Process] = {
    "identity-api": Process(
        "hourbank_identity.entrypoints.http", "HOURBANK_IDENTITY_PORT", 8003, IDENTITY_SECRETS
    ),
    "identity-relay": Process("hourbank_identity.entrypoints.relay"),
    "identity-projector": Process("hourbank_identity.entrypoints.projector"),
    "learning-api": Process("hourbank_learning.entrypoints.http", "HOURBANK_LEARNING_PORT", 8001),
    "learning-relay": Process("hourbank_learning.entrypoints.relay"),
    "ledger-consumer": Process("hourbank_ledger.entrypoints.consumer"),
    "ledger-projector": Process("hourbank_ledger.entrypoints.projector"),
    "ledger-api": Process("hourbank_ledger.entrypoints.http", "HOURBANK_LEDGER_PORT", 8002),
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


def port_of(process: Process) -> int | None:
    if process.port_variable is None:
        return None
    return int(os.environ.get(process.port_variable) or process.default_port or 0)


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


def main() -> int:
    for name in REQUIRED:
        if not os.environ.get(name):
            print(f"error: {name} is not set (run through scripts/run-local)", file=sys.stderr)
            return 1
    for name, process in PROCESSES.items():
        port = port_of(process)
        if port is not None and port_taken(port):
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
    children: dict[str, subprocess.Popen[bytes]] = {}
    selector = selectors.DefaultSelector()
    width = max(map(len, PROCESSES))
    tty = sys.stdout.isatty()
    messages: queue.Queue[str] = queue.Queue()
    bootstrap: AdminBootstrap | None = None
    for index, (name, process) in enumerate(PROCESSES.items()):
        env = {**shared, **{key: os.environ[key] for key in process.secrets}}
        port = port_of(process)
        if port is not None:
            env["HTTP_HOST"], env["HTTP_PORT"] = HOST, str(port)
        child = subprocess.Popen(
            [sys.executable, "-m", process.module],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        children[name] = child
        prefix = f"{name:<{width}} | "
        if tty:
            prefix = f"{COLOURS[index % len(COLOURS)]}{prefix}\033[0m"
        assert child.stdout is not None
        selector.register(child.stdout, selectors.EVENT_READ, prefix)
        if name == "identity-api" and port is not None:
            bootstrap = AdminBootstrap(env, port, messages)

    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    urls = ", ".join(
        f"{name.removesuffix('-api')} API http://{HOST}:{port_of(process)}/docs"
        for name, process in PROCESSES.items()
        if process.port_variable
    )
    print(f"hourbank is starting: {urls}. Ctrl-C stops everything.", flush=True)
    if bootstrap is not None:
        bootstrap.start()
    exit_code = 0
    while not stopping:
        for key, _ in selector.select(timeout=0.5):
            line = key.fileobj.readline()  # type: ignore[union-attr]
            if line:
                sys.stdout.write(key.data + line.decode("utf-8", "replace"))
                sys.stdout.flush()
            else:
                selector.unregister(key.fileobj)
        while not messages.empty():
            banner = "==> " if not tty else "\033[1m==> "
            print(f"{banner}{messages.get_nowait()}" + ("\033[0m" if tty else ""), flush=True)
        for name, child in children.items():
            if child.poll() is not None:
                print(f"{name} exited with {child.returncode}; stopping everything", flush=True)
                stopping, exit_code = True, 1
                break

    print("stopping every process", flush=True)
    if bootstrap is not None:
        bootstrap.terminate()
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + 15
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    if bootstrap is not None:
        bootstrap.join(timeout=max(0.1, deadline - time.monotonic()))
        if bootstrap.child is not None and bootstrap.child.poll() is None:
            bootstrap.child.kill()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
