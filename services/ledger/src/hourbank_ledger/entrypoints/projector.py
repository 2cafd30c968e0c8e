"""Process entrypoint: ``python -m hourbank_ledger.entrypoints.projector``.

Follows the ledger's event store and keeps the read tables up to date: the hour-bank read
model and the person directory the API authorizes reads with. Each projection is written a
page of events per transaction, with its position (``application/paged_projection.py``);
between catch-ups the process sleeps until the ledger's recorder sends a PostgreSQL
notification, or at most a quarter of a second.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

from eventsourcing.postgres import PostgresApplicationRecorder

from hourbank_common.logging import configure_logging, get_logger
from hourbank_common.runtime import settle_startup_objects
from hourbank_common.settings import PostgresSettings
from hourbank_ledger.adapters.postgres_wakeup import listening_to
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
    projector = build_projector(settings)
    recorder = projector.ledger.recorder
    assert isinstance(recorder, PostgresApplicationRecorder)
    settle_startup_objects()
    with listening_to(recorder) as wakeup:
        log.info("projector.started", **projector.positions())
        while not stop.is_set():
            projected = projector.run_once()
            if projected:
                log.debug("projector.projected", events=projected, **projector.positions())
            else:
                wakeup.wait(IDLE_WAIT_SECONDS)
    projector.ledger.close()
    log.info("projector.stopped", **projector.positions())


if __name__ == "__main__":
    main()
