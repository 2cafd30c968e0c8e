"""Infrastructure fixtures shared by every test tier.

Each fixture takes, in order: what the environment names (KAFKA_BOOTSTRAP_SERVERS,
DATABASE_URL), testcontainers when a Docker engine answers, the project's own launcher
(scripts/infra). When none works it fails if HOURBANK_REQUIRE_INFRA=1 (scripts/test and CI
set it) and skips with the reason otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.infra import InfraUnavailableError, provide_database_url, provide_kafka


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "restarts_infra: restarts PostgreSQL / kills Kafka (needs this checkout's scripts/infra)",
    )


def _unavailable(what: str, error: Exception) -> None:
    message = f"{what} is not available: {error}"
    if os.environ.get("HOURBANK_REQUIRE_INFRA") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    try:
        with provide_kafka() as servers:
            yield servers
    except InfraUnavailableError as error:
        _unavailable("Kafka", error)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    try:
        with provide_database_url() as url:
            yield url
    except InfraUnavailableError as error:
        _unavailable("PostgreSQL", error)


@pytest.fixture(scope="session", autouse=True)
def no_id_number_in_any_service_log() -> Iterator[None]:
    """After the whole session: no log line of any service process any test started holds
    a national ID number (findings are reported masked)."""
    yield
    from tests.support.pii_scan import id_numbers_in_files
    from tests.support.processes import ServiceProcess

    leaks = id_numbers_in_files(ServiceProcess.log_files)
    if leaks:
        pytest.fail(f"ID numbers in service logs: {leaks}", pytrace=False)
