"""Learning settings, from the environment only (no secret defaults)."""

from __future__ import annotations

from pydantic import Field

from hourbank_common.auth import AuthSettings
from hourbank_common.settings import ApiSettings, OutboxRelaySettings
from hourbank_contracts import LEARNING_TOPIC


class LearningApiSettings(ApiSettings, AuthSettings):
    http_port: int = Field(default=8001, description="Port the API listens on.")


class RelaySettings(OutboxRelaySettings):
    learning_topic: str = Field(
        default=LEARNING_TOPIC, description="Topic the relay publishes learning's events to."
    )
