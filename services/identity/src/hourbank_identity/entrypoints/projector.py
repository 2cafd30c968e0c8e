"""Process entrypoint: ``python -m hourbank_identity.entrypoints.projector``.

Follows identity's event store and keeps the organisation search table up to date, a page of
events per transaction with its position, until SIGTERM or SIGINT. An event that cannot be
written is parked (``python -m hourbank_identity.entrypoints.parked``); a PostgreSQL restart
is waited out with backoff and the projector resumes
(``hourbank_common.processes.run_projector_process``: health on ``HEALTH_PORT``).
"""

from __future__ import annotations

from hourbank_common.processes import run_projector_process
from hourbank_common.settings import ProjectorSettings
from hourbank_identity.bootstrap import build_search_projector


def main() -> None:
    run_projector_process("identity-projector", ProjectorSettings, build_search_projector)


if __name__ == "__main__":
    main()
