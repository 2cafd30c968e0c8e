"""The ledger's consumer and API read one region setting, with one definition."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hourbank_ledger.config import LedgerApiSettings, LedgerConsumerSettings, LedgerRegionSettings

REQUIRED = {
    "DATABASE_URL": "postgresql://u@h/db",
    "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092",
    "AUTH_JWT_PUBLIC_KEY": "unused",
}


@pytest.mark.parametrize("settings", [LedgerConsumerSettings, LedgerApiSettings])
def test_consumer_and_api_read_ledger_region_code(
    settings: type[LedgerRegionSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LEDGER_REGION_CODE", "370400")
    assert settings().ledger_region_code == "370400"
    monkeypatch.setenv("LEDGER_REGION_CODE", "")  # empty: the provincial ledger
    assert settings().ledger_region_code is None
    monkeypatch.setenv("LEDGER_REGION_CODE", "37０４００")  # full-width digits
    with pytest.raises(ValidationError, match="ledger_region_code"):
        settings()


def test_the_field_is_defined_once() -> None:
    for settings in (LedgerConsumerSettings, LedgerApiSettings):
        assert issubclass(settings, LedgerRegionSettings)
        assert repr(settings.model_fields["ledger_region_code"]) == repr(
            LedgerRegionSettings.model_fields["ledger_region_code"]
        )
