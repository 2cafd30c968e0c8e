"""Process entrypoint: ``python -m hourbank_ledger.entrypoints.projector``.

Follows the ledger's event store (PostgreSQL LISTEN/NOTIFY subscription) and keeps the read
tables up to date, each update in one transaction with its tracking record: the hour-bank
read model and the person directory the API authorizes reads with. Two projections, two
subscriptions with their own positions, one process.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from types import FrameType

from hourbank_common.logging import configure_logging, get_logger
from hourbank_common.settings import PostgresSettings
from hourbank_ledger.bootstrap import build_directory_runner, build_projection_runner


def main() -> None:
    settings = PostgresSettings()
    configure_logging("ledger-projector", settings.log_level, json=settings.log_json)
    log = get_logger("hourbank.ledger.projector")
    stop = threading.Event()

    def _request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    with contextlib.ExitStack() as stack:
        read_model = stack.enter_context(build_projection_runner(settings))
        directory = stack.enter_context(build_directory_runner(settings))

        def positions() -> dict[str, int | None]:
            return {
                "position": read_model.view.max_tracking_id(read_model.app_name),
                "directory_position": directory.view.max_tracking_id(directory.app_name),
            }

        log.info("projector.started", **positions())
        while not stop.is_set():
            # Each re-raises its processing error; a failing runner returns at once.
            read_model.run_forever(timeout=0.25)
            directory.run_forever(timeout=0.25)
        log.info("projector.stopped", **positions())


if __name__ == "__main__":
    main()
