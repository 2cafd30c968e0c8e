"""Drop the read model and rebuild it from the ledger's event store.

``python -m hourbank_ledger.entrypoints.rebuild`` — stop the projector first (it is the read
model's only writer); start it again afterwards and it carries on from where this ended.
"""

from __future__ import annotations

import time

from hourbank_common.logging import configure_logging, get_logger
from hourbank_common.settings import PostgresSettings
from hourbank_ledger.application.rebuild import rebuild_read_model
from hourbank_ledger.bootstrap import build_ledger, build_view


def main() -> None:
    settings = PostgresSettings()
    configure_logging("ledger-rebuild", settings.log_level, json=settings.log_json)
    log = get_logger("hourbank.ledger.rebuild")
    started = time.perf_counter()
    replayed = rebuild_read_model(build_ledger(settings), build_view(settings))
    log.info(
        "rebuild.done",
        events=replayed,
        seconds=round(time.perf_counter() - started, 2),
    )


if __name__ == "__main__":
    main()
