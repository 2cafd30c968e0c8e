"""Process entrypoint: ``python -m hourbank_learning.entrypoints.relay``.

Publishes learning's public events (course completions) to its topic
(``hourbank_common.processes.run_relay``: health on ``HEALTH_PORT``).
"""

from __future__ import annotations

from hourbank_common.processes import run_relay
from hourbank_learning.bootstrap import build_relay
from hourbank_learning.config import RelaySettings


def main() -> None:
    run_relay("learning-relay", RelaySettings, build_relay)


if __name__ == "__main__":
    main()
