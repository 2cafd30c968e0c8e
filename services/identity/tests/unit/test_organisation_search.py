"""The in-memory organisation search passes the port's test cases; the projection feeds it
from real Organisation events."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking
from eventsourcing.projection import ProjectionRunner

from hourbank_identity.application.organisation_search import (
    InMemoryOrganisationSearchView,
    OrganisationEntry,
    OrganisationSearchProjection,
    OrganisationSearchView,
    ParsedQuery,
    region_prefix,
)
from services.identity.tests.organisation_search_cases import (
    OrganisationSearchViewCases,
    registry,
)


class TestInMemoryOrganisationSearchView(OrganisationSearchViewCases):
    @pytest.fixture
    def view(self) -> OrganisationSearchView:
        return InMemoryOrganisationSearchView()


class IdentityEvents(Application[UUID]):
    """Stands in for identity's application: same name, so the same tracking positions."""

    name = "identity"


def test_the_projection_follows_registrations_and_approvals() -> None:
    with ProjectionRunner(
        application_class=IdentityEvents,
        projection_class=OrganisationSearchProjection,
        view_class=InMemoryOrganisationSearchView,
        env={},
    ) as runner:
        hr, health, hospital = registry()
        runner.app.save(hr, health, hospital)
        # Events the view does not show are not even read (the projection's topics).
        runner.app.save(Aggregate())
        hospital.approve(approved_by=uuid4())
        recordings = runner.app.save(hospital)
        view = runner.projection.view
        view.wait(runner.app.name, recordings[-1].notification.id)

        assert view.get(hospital.id) == OrganisationEntry(
            organisation_id=hospital.id,
            kind="employer",
            name="淄博市第一医院",
            region_code="370303",
            credit_code=hospital.credit_code,
            status="active",
            parent_id=health.id,
        )
        authority = view.get(health.id)
        assert authority is not None
        assert authority.parent_id == hr.id
        assert authority.kind == "industry_authority"
        assert view.search("淄博第一医院", kinds=["employer"], status="active").items == [
            view.get(hospital.id)
        ]
        assert view.search(None, region_code="370300").total == 3
        assert view.max_tracking_id(runner.app.name) == recordings[-1].notification.id


def test_other_events_only_advance_the_position() -> None:
    view = InMemoryOrganisationSearchView()
    projection = OrganisationSearchProjection(view=view)
    projection.process_event(Aggregate().collect_events()[0], Tracking("identity", 3))
    assert view.max_tracking_id("identity") == 3
    assert view.search(None).total == 0


@pytest.mark.parametrize(
    ("query", "name", "code", "prefix"),
    [
        (None, "", None, None),
        ("  淄博  第一 ", "淄博 第一", None, None),
        ("Ｚｉｂｏ", "zibo", None, None),
        ("9137", "9137", None, "9137"),
        ("913", "913", None, None),
        ("91370300ma3c12345x", "91370300ma3c12345x", "91370300MA3C12345X", "91370300MA3C12345X"),
        # O, I, S, V, Z are not in the credit-code alphabet.
        ("91370300MO3C12345X", "91370300mo3c12345x", None, None),
        ("91370300MA3C12345XY", "91370300ma3c12345xy", None, None),
        ("100%", "100%", None, None),
    ],
)
def test_a_query_is_read_as_a_name_and_as_a_credit_code(
    query: str | None, name: str, code: str | None, prefix: str | None
) -> None:
    assert ParsedQuery.parse(query) == ParsedQuery(name, code, prefix)


@pytest.mark.parametrize(
    ("region", "prefix"),
    [
        ("370000", "37"),
        ("370300", "3703"),
        ("370303", "370303"),
        ("37030", None),
        ("3703ab", None),
        ("３７０３００", None),
    ],
)
def test_region_prefix_agrees_with_region_covers(region: str, prefix: str | None) -> None:
    assert region_prefix(region) == prefix
