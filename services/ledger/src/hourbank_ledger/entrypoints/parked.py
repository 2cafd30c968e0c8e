"""``python -m hourbank_ledger.entrypoints.parked {list,retry} --line LINE``: the stored
events the ledger's projector parked, listed or projected after a fix
(``hourbank_common.parked``). Lines: ``ledger_read_model``, ``ledger_directory``."""

from __future__ import annotations

from collections.abc import Callable

from hourbank_common.logging import configure_logging
from hourbank_common.parked import ParkedItemRetrier, run
from hourbank_common.settings import PostgresSettings
from hourbank_ledger.application.directory import DirectoryProjection
from hourbank_ledger.application.read_model import HourBankProjection


def _projection(name: str) -> Callable[[], ParkedItemRetrier]:
    def build() -> ParkedItemRetrier:
        from hourbank_ledger.bootstrap import build_projector

        return build_projector(PostgresSettings()).retrier(name)

    return build


def main() -> None:
    settings = PostgresSettings()
    configure_logging("ledger-parked", settings.log_level, json=settings.log_json)
    run({name: _projection(name) for name in (HourBankProjection.name, DirectoryProjection.name)})


if __name__ == "__main__":
    main()
