"""Runs the local system's processes in the foreground with prefixed logs.

Used by scripts/run-local, which also stops the infrastructure afterwards. Ctrl-C (or
SIGTERM) stops every process; so does any process exiting on its own.
"""

from __future__ import annotations

import os
import secrets
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROCESSES: dict[str, list[str]] = {
    "learning-api": ["-m", "hourbank_learning.entrypoints.http"],
    "learning-relay": ["-m", "hourbank_learning.entrypoints.relay"],
    "ledger-consumer": ["-m", "hourbank_ledger.entrypoints.consumer"],
    "ledger-projector": ["-m", "hourbank_ledger.entrypoints.projector"],
    "ledger-api": ["-m", "hourbank_ledger.entrypoints.http"],
}
COLOURS = ["\033[36m", "\033[35m", "\033[33m", "\033[32m", "\033[34m"]


def main() -> int:
    for name in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "AUTH_JWT_PUBLIC_KEY"):
        if not os.environ.get(name):
            print(f"error: {name} is not set (run through scripts/run-local)", file=sys.stderr)
            return 1

    # City mode for Zaozhuang unless told otherwise (LEDGER_REGION_CODE= for provincial mode).
    # A statement signing key made for this run only (no secret lives in the repository):
    # statements issued now stop verifying once the system restarts with another key.
    env = {
        "LEDGER_REGION_CODE": "370400",
        "STATEMENT_SIGNING_KEY": secrets.token_urlsafe(32),
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "LOG_JSON": "false",
    }
    children: dict[str, subprocess.Popen[bytes]] = {}
    selector = selectors.DefaultSelector()
    width = max(map(len, PROCESSES))
    tty = sys.stdout.isatty()
    for index, (name, argv) in enumerate(PROCESSES.items()):
        child = subprocess.Popen(
            [sys.executable, *argv],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        children[name] = child
        prefix = f"{name:<{width}} | "
        if tty:
            prefix = f"{COLOURS[index % len(COLOURS)]}{prefix}\033[0m"
        assert child.stdout is not None
        selector.register(child.stdout, selectors.EVENT_READ, prefix)

    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    print(
        "hourbank is starting: learning API http://127.0.0.1:8001/docs, "
        "ledger API http://127.0.0.1:8002/docs. Ctrl-C stops everything.",
        flush=True,
    )
    exit_code = 0
    while not stopping:
        for key, _ in selector.select(timeout=0.5):
            line = key.fileobj.readline()  # type: ignore[union-attr]
            if line:
                sys.stdout.write(key.data + line.decode("utf-8", "replace"))
                sys.stdout.flush()
            else:
                selector.unregister(key.fileobj)
        for name, child in children.items():
            if child.poll() is not None:
                print(f"{name} exited with {child.returncode}; stopping everything", flush=True)
                stopping, exit_code = True, 1
                break

    print("stopping every process", flush=True)
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + 15
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
