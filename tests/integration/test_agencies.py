"""Agencies, services and contact details, read from the demo data."""

from __future__ import annotations

import pytest

from core.agencies import agencies_offering, get_agency, service_for_usage
from core.errors import NotFound


@pytest.mark.parametrize(
    ("usage", "service"),
    [("road", "road_test"), ("offroad", "offroad_test"), ("sport", "track_test")],
)
def test_each_riding_usage_has_its_own_test_ride_service(
    seeded_uow_factory, usage, service
) -> None:
    assert service_for_usage(seeded_uow_factory(), usage) == service


def test_only_agencies_with_a_calendar_for_the_service_are_offered(seeded_uow_factory) -> None:
    road = [a.code for a in agencies_offering(seeded_uow_factory(), "road_test")]
    offroad = [a.code for a in agencies_offering(seeded_uow_factory(), "offroad_test")]

    assert road == ["bordeaux-lac", "lyon-gerland", "paris-nord"]
    assert offroad == ["bordeaux-lac", "lyon-gerland"]
    assert get_agency(seeded_uow_factory(), "lyon-gerland").city == "Lyon"


def test_unknown_usages_services_and_agencies_are_not_found(seeded_uow_factory) -> None:
    with pytest.raises(NotFound):
        service_for_usage(seeded_uow_factory(), "flying")
    with pytest.raises(NotFound):
        agencies_offering(seeded_uow_factory(), "teleport")
    with pytest.raises(NotFound):
        get_agency(seeded_uow_factory(), "atlantis")
