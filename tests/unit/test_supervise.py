"""The local supervisor: its restart policy, and restarts of real child processes."""

from __future__ import annotations

import io
import signal
import sys
import threading
from collections.abc import Iterator

import pytest

from scripts.supervise import ChildSpec, RestartPolicy, Supervisor
from tests.support.waiting import wait_until


def test_the_delay_doubles_with_each_crash_up_to_the_cap() -> None:
    policy = RestartPolicy(initial=1, cap=30, healthy_after=60)
    assert [policy.delay_after_exit(ran_for=0.5) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_process_that_ran_healthily_a_while_starts_the_count_afresh() -> None:
    policy = RestartPolicy(initial=1, cap=30, healthy_after=60)
    for _ in range(4):
        policy.delay_after_exit(ran_for=1)
    assert policy.delay_after_exit(ran_for=60) == 1
    assert policy.delay_after_exit(ran_for=59) == 2


CRASHER = """
import sys, time
print("crasher up", flush=True)
time.sleep(0.3)
for n in range(200):
    print(f"line {n}")
raise RuntimeError("the crash's last words")
"""
SLEEPER = """
import signal, sys, time
print("sleeper up", flush=True)
signal.signal(signal.SIGTERM, lambda *_: (print("sleeper stopping", flush=True), sys.exit(0)))
while True:
    time.sleep(0.05)
"""


class Output(io.StringIO):
    """What the supervisor printed, safe to read while it writes from its thread."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()

    def write(self, text: str) -> int:
        with self.lock:
            return super().write(text)

    def text(self) -> str:
        with self.lock:
            return self.getvalue()


@pytest.fixture
def supervised() -> Iterator[tuple[Supervisor, Output]]:
    out = Output()
    supervisor = Supervisor(
        {
            "crasher": ChildSpec([sys.executable, "-c", CRASHER], {}, "crasher | "),
            "sleeper": ChildSpec([sys.executable, "-c", SLEEPER], {}, "sleeper | "),
        },
        out=out,
        policy=lambda: RestartPolicy(initial=0.2, cap=1, healthy_after=60),
    )
    supervisor.start_all()

    def supervise() -> None:
        while not supervisor.stopping:
            supervisor.poll(0.05)

    loop = threading.Thread(target=supervise)
    loop.start()
    try:
        yield supervisor, out
    finally:
        supervisor.stop()
        loop.join(timeout=10)
        supervisor.shutdown(grace=10)


def test_a_crashing_child_is_restarted_and_its_whole_traceback_is_kept(
    supervised: tuple[Supervisor, Output],
) -> None:
    supervisor, out = supervised
    wait_until(
        lambda: out.text().count("crasher | crasher up") >= 3,
        timeout=30,
        what="the crasher to be restarted twice",
    )
    text = out.text()
    # Every line before the crash and the traceback's end, before the exit is reported.
    first_exit = text.index("crasher exited with 1")
    assert "crasher | line 199" in text[:first_exit]
    assert "crasher | RuntimeError: the crash's last words" in text[:first_exit]
    assert supervisor.children["crasher"].restarts >= 2
    # The other child was left alone.
    assert text.count("sleeper | sleeper up") == 1
    assert supervisor.children["sleeper"].restarts == 0


def test_a_killed_child_comes_back_and_ctrl_c_stops_everything(
    supervised: tuple[Supervisor, Output],
) -> None:
    supervisor, out = supervised
    sleeper = supervisor.children["sleeper"]
    wait_until(lambda: "sleeper | sleeper up" in out.text(), timeout=10, what="the sleeper")
    first = sleeper.process
    assert first is not None
    first.send_signal(signal.SIGKILL)
    wait_until(
        lambda: sleeper.restarts == 1 and out.text().count("sleeper | sleeper up") == 2,
        timeout=20,
        what="the killed sleeper to come back",
    )
    assert "sleeper exited with -9" in out.text()
    assert sleeper.process is not first
    supervisor.stop()
    supervisor.shutdown(grace=10)
    assert "sleeper | sleeper stopping" in out.text()  # it was asked to stop and said so
    for child in supervisor.children.values():
        assert child.process is not None
        assert child.process.poll() is not None
