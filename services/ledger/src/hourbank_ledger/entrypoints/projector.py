"""Process entrypoint: ``python -m hourbank_ledger.entrypoints.projector``.

Follows the ledger's event store and keeps the read tables up to date: the hour-bank read
model and the person directory the API authorizes reads with. Each projection is written a
page of events per transaction, with its position; an event that cannot be written is parked
(``python -m hourbank_ledger.entrypoints.parked`` lists and retries them). Between catch-ups
the process sleeps until the ledger's recorder sends a PostgreSQL notification, or at most a
quarter of a second; a PostgreSQL restart is waited out (``hourbank_common.projection``).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

from hourbank_common.healing import until_healed
from hourbank_common.logging import configure_logging, get_logger
from hourbank_common.projection import run_projector
from hourbank_common.runtime import settle_startup_objects
from hourbank_common.settings import PostgresSettings
from hourbank_ledger.bootstrap import build_projector

# Bounds how long a stop request waits, and how long a missed notification could delay.
IDLE_WAIT_SECONDS = 0.25


def main() -> None:
    settings = PostgresSettings()
    configure_logging("ledger-projector", settings.log_level, json=settings.log_json)
    log = get_logger("hourbank.ledger.projector")
    stop = threading.Event()

    def _request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    # Started while PostgreSQL is down (or restarting): wait for it instead of exiting.
    projector = until_healed(lambda: build_projector(settings), what="projector start")
    settle_startup_objects()
    log.info("projector.started", **projector.positions())
    run_projector(projector, stop, idle_wait=IDLE_WAIT_SECONDS)
    log.info("projector.stopped", **projector.positions())
    projector.ledger.close()


if __name__ == "__main__":
    main()
