"""Process entrypoint: ``python -m hourbank_identity.entrypoints.projector``.

Follows identity's event store and keeps the organisation search table up to date, a page of
events per transaction with its position, until SIGTERM or SIGINT. An event that cannot be
written is parked (``python -m hourbank_identity.entrypoints.parked``); a PostgreSQL restart
is waited out with backoff and the projector resumes (``hourbank_common.projection``).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

from hourbank_common.healing import until_healed
from hourbank_common.logging import configure_logging, get_logger
from hourbank_common.projection import run_projector
from hourbank_common.settings import PostgresSettings
from hourbank_identity.bootstrap_search import build_search_projector

# Bounds how long a stop request waits, and how long a missed notification could delay.
IDLE_WAIT_SECONDS = 0.25


def main() -> None:
    settings = PostgresSettings()
    configure_logging("identity-projector", settings.log_level, json=settings.log_json)
    log = get_logger("hourbank.identity.projector")
    stop = threading.Event()

    def _request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    # Started while PostgreSQL is down (or restarting): wait for it instead of exiting.
    projector = until_healed(lambda: build_search_projector(settings), what="projector start")
    log.info("projector.started", **projector.positions())
    run_projector(projector, stop, idle_wait=IDLE_WAIT_SECONDS)
    log.info("projector.stopped", **projector.positions())
    projector.app.close()


if __name__ == "__main__":
    main()
