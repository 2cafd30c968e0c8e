"""Process entrypoint: ``python -m hourbank_ledger.entrypoints.projector``.

Follows the ledger's event store and keeps the read tables up to date: the hour-bank read
model and the person directory the API authorizes reads with. Each projection is written a
page of events per transaction, with its position; an event that cannot be written is parked
(``python -m hourbank_ledger.entrypoints.parked`` lists and retries them). Between catch-ups
the process sleeps until the ledger's recorder sends a PostgreSQL notification, or at most a
quarter of a second; a PostgreSQL restart is waited out
(``hourbank_common.processes.run_projector_process``: health on ``HEALTH_PORT``).
"""

from __future__ import annotations

from hourbank_common.processes import run_projector_process
from hourbank_common.settings import ProjectorSettings
from hourbank_ledger.bootstrap import build_projector


def main() -> None:
    run_projector_process("ledger-projector", ProjectorSettings, build_projector)


if __name__ == "__main__":
    main()
