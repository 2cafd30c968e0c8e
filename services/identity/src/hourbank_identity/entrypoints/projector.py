"""Process entrypoint: ``python -m hourbank_identity.entrypoints.projector``.

Follows identity's event store (PostgreSQL LISTEN/NOTIFY subscription) and keeps the
organisation search table up to date, each update in one transaction with its tracking
record, until SIGTERM or SIGINT.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

from hourbank_common.logging import configure_logging, get_logger
from hourbank_common.settings import PostgresSettings
from hourbank_identity.bootstrap_search import build_search_runner


def main() -> None:
    settings = PostgresSettings()
    configure_logging("identity-projector", settings.log_level, json=settings.log_json)
    log = get_logger("hourbank.identity.projector")
    stop = threading.Event()

    def _request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    with build_search_runner(settings) as runner:
        log.info("projector.started", position=runner.view.max_tracking_id(runner.app_name))
        while not stop.is_set():
            # Re-raises the processing thread's error, which ends the process.
            runner.run_forever(timeout=0.25)
        log.info("projector.stopped", position=runner.view.max_tracking_id(runner.app_name))


if __name__ == "__main__":
    main()
