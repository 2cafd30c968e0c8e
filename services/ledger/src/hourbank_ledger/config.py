"""Ledger settings, from the environment only (no secret defaults)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from hourbank_common.auth import AuthSettings
from hourbank_common.settings import (
    ApiSettings,
    KafkaSettings,
    PostgresSettings,
    ProcessSettings,
    ServiceSettings,
)
from hourbank_contracts import (
    BILLING_TOPIC,
    EXAM_TOPIC,
    IDENTITY_TOPIC,
    LEARNING_TOPIC,
    LEDGER_DEAD_LETTER_TOPIC,
    RECOGNITION_TOPIC,
    REGION_CODE_PATTERN,
)


class LedgerRegionSettings(ServiceSettings):
    """City or provincial mode; the API and the consumer of one ledger must agree on it."""

    ledger_region_code: str | None = Field(
        default=None,
        pattern=REGION_CODE_PATTERN,
        description=(
            "City mode: the GB/T 2260 code of the city whose facts this ledger keeps (the "
            "consumer refuses other regions' facts) and whose rules the API applies by "
            "default. Unset in provincial mode: every Shandong region's facts are kept and "
            "every query names its region."
        ),
    )


class LedgerConsumerSettings(
    LedgerRegionSettings, PostgresSettings, KafkaSettings, ProcessSettings
):
    ledger_topics: list[str] = Field(
        default=[LEARNING_TOPIC, EXAM_TOPIC, BILLING_TOPIC, RECOGNITION_TOPIC, IDENTITY_TOPIC],
        description="Topics the ledger consumes (JSON list in the environment).",
    )
    ledger_group_id: str = Field(default="hourbank-ledger", description="Kafka consumer group.")
    ledger_dead_letter_topic: str = Field(default=LEDGER_DEAD_LETTER_TOPIC)


class LedgerApiSettings(LedgerRegionSettings, ApiSettings, AuthSettings):
    http_port: int = Field(default=8002, description="Port the API listens on.")
    statement_signing_key: SecretStr | None = Field(
        default=None,
        min_length=32,
        description="Secret (≥ 32 characters) keying statement verification codes; unset: "
        "statements are disabled.",
    )
    statement_font: Path = Field(
        default=Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
        description="CJK font embedded in statements (Debian fonts-wqy-microhei).",
    )
