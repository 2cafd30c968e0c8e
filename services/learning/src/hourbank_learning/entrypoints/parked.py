"""``python -m hourbank_learning.entrypoints.parked {list,retry} --line learning-relay``: the
stored events learning's relay parked, listed or published after a fix
(``hourbank_common.parked``)."""

from __future__ import annotations

from hourbank_common.logging import configure_logging
from hourbank_common.parked import ParkedItemRetrier, run
from hourbank_learning.config import RelaySettings


def _relay() -> ParkedItemRetrier:
    from hourbank_learning.bootstrap import build_relay

    return build_relay(RelaySettings())


def main() -> None:
    settings = RelaySettings()
    configure_logging("learning-parked", settings.log_level, json=settings.log_json)
    run({"learning-relay": _relay})


if __name__ == "__main__":
    main()
