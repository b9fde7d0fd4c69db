"""core/workshop.py against SQLite and PostgreSQL: eligibility from the identified vehicle,
repair-quote callbacks (one open task per quote), closing them."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.errors import NotFound
from core.geo import agencies_near, locate
from core.models import Agency, CallbackTask, Customer, Quote, Vehicle
from core.settings_store import write_setting
from core.workshop import (
    close_callback,
    list_callbacks,
    request_quote_callback,
    visit_1000_eligibility,
    visit_1000_rule,
)


@pytest.fixture
def garage(uow_factory, now, add_calendar, add_conversation):
    """Two customers each with an identified vehicle and quotes; returns their ids."""
    add_calendar("paris-nord", "maintenance")
    conversation_id = add_conversation("web", "camille-web", customer="Camille Martin")
    with uow_factory() as uow:
        session = uow.session
        agency = session.scalar(select(Agency).where(Agency.code == "paris-nord"))
        camille = session.scalar(select(Customer).where(Customer.name == "Camille Martin"))
        camille.phone = "+33612345678"
        james = Customer(name="James Wilson", language="en")
        session.add(james)
        session.flush()
        ducati = Vehicle(
            customer_id=camille.id,
            plate="AB-123-CD",
            brand="Ducati",
            model="Monster",
            first_registration=now.date() - timedelta(days=60),
        )
        bmw = Vehicle(customer_id=james.id, plate="EF-456-GH", brand="BMW", model="R 1250 GS")
        session.add_all([ducati, bmw])
        session.flush()
        camille.identified_vehicle_id = ducati.id
        james.identified_vehicle_id = bmw.id
        for number, vehicle, status in (
            ("DV-2026-0412", ducati, "open"),
            ("DV-2026-0587", bmw, "open"),
            ("DV-2025-0999", ducati, "expired"),
        ):
            session.add(
                Quote(
                    number=number,
                    vehicle_id=vehicle.id,
                    agency_id=agency.id,
                    description=f"Repair for {number}",
                    amount_cents=45000,
                    status=status,
                    created_at=now,
                )
            )
        session.flush()
        ids = {"camille": camille.id, "james": james.id, "conversation": conversation_id}
        uow.commit()
    return ids


def test_an_open_quote_of_the_identified_vehicle_gives_a_callback_task(
    uow_factory, garage, now
) -> None:
    view = request_quote_callback(
        uow_factory(),
        quote_number="dv-2026-0412",
        customer_id=garage["camille"],
        conversation_id=garage["conversation"],
        now=now,
    )
    assert view.reference.startswith("CB-") and len(view.reference) == 9
    assert (view.kind, view.status, view.quote_number) == ("repair_quote", "open", "DV-2026-0412")
    assert (view.customer_name, view.customer_phone) == ("Camille Martin", "+33612345678")
    assert view.agency_code == "paris-nord"
    assert [task.reference for task in list_callbacks(uow_factory())] == [view.reference]


@pytest.mark.parametrize(
    "number", ["DV-2026-0587", "DV-2025-0999", "DV-0000-0000"], ids=["other", "expired", "none"]
)
def test_someone_elses_an_expired_or_an_unknown_quote_is_just_unknown(
    uow_factory, garage, now, number
) -> None:
    with pytest.raises(NotFound) as error:
        request_quote_callback(
            uow_factory(),
            quote_number=number,
            customer_id=garage["camille"],
            conversation_id=None,
            now=now,
        )
    assert error.value.code == "unknown_quote"
    assert "James" not in error.value.message
    assert list_callbacks(uow_factory(), status=None) == []


def test_a_customer_without_identified_vehicle_finds_no_quote(uow_factory, garage, now) -> None:
    with uow_factory() as uow:
        uow.session.get(Customer, garage["camille"]).identified_vehicle_id = None
        uow.commit()
    with pytest.raises(NotFound) as error:
        request_quote_callback(
            uow_factory(),
            quote_number="DV-2026-0412",
            customer_id=garage["camille"],
            conversation_id=None,
            now=now,
        )
    assert error.value.code == "unknown_quote"


def test_asking_twice_returns_the_same_open_task(uow_factory, garage, now) -> None:
    kwargs = {"customer_id": garage["camille"], "conversation_id": None, "now": now}
    first = request_quote_callback(uow_factory(), quote_number="DV-2026-0412", **kwargs)
    again = request_quote_callback(uow_factory(), quote_number=" dv-2026-0412", **kwargs)
    assert again.reference == first.reference
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count()).select_from(CallbackTask)) == 1


def test_concurrent_requests_for_one_quote_make_one_task(uow_factory, garage, now) -> None:
    references: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def ask() -> None:
        try:
            barrier.wait()
            view = request_quote_callback(
                uow_factory(),
                quote_number="DV-2026-0412",
                customer_id=garage["camille"],
                conversation_id=None,
                now=now,
            )
            references.append(view.reference)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(references) == 4 and len(set(references)) == 1
    with uow_factory() as uow:
        assert uow.session.scalar(select(func.count()).select_from(CallbackTask)) == 1


def test_a_closed_task_lets_a_new_request_open_another(uow_factory, garage, now, add_staff) -> None:
    staff_id = add_staff("Nina")
    kwargs = {"customer_id": garage["camille"], "conversation_id": None, "now": now}
    first = request_quote_callback(uow_factory(), quote_number="DV-2026-0412", **kwargs)
    close_callback(uow_factory(), first.reference, staff_id=staff_id, outcome="RDV le 3", now=now)
    second = request_quote_callback(uow_factory(), quote_number="DV-2026-0412", **kwargs)
    assert second.reference != first.reference and second.status == "open"


def test_closing_twice_keeps_the_first_outcome(uow_factory, garage, now, add_staff) -> None:
    staff_id = add_staff("Nina")
    task = request_quote_callback(
        uow_factory(),
        quote_number="DV-2026-0412",
        customer_id=garage["camille"],
        conversation_id=None,
        now=now,
    )
    closed = close_callback(
        uow_factory(), task.reference, staff_id=staff_id, outcome="Rendez-vous pris", now=now
    )
    later = now + timedelta(hours=1)
    again = close_callback(
        uow_factory(), task.reference, staff_id=staff_id, outcome="autre", now=later
    )
    assert (closed.status, closed.outcome, closed.closed_at) == ("done", "Rendez-vous pris", now)
    assert (again.outcome, again.closed_at) == ("Rendez-vous pris", now)
    assert list_callbacks(uow_factory()) == []
    assert [t.reference for t in list_callbacks(uow_factory(), status="done")] == [task.reference]


def test_closing_an_unknown_task_is_not_found(uow_factory, now) -> None:
    with pytest.raises(NotFound) as error:
        close_callback(uow_factory(), "CB-NOPE00", staff_id=None, outcome="x", now=now)
    assert error.value.code == "unknown_callback"


def test_the_rule_comes_from_the_setting_with_defaults(uow_factory) -> None:
    rule = visit_1000_rule(uow_factory())
    assert (rule.min_km, rule.max_km, rule.max_age_days) == (500, 1500, 365)
    with uow_factory() as uow:
        write_setting(uow.session, "rule.visit_1000", {"min_km": 300, "max_km": 2000})
        uow.commit()
    rule = visit_1000_rule(uow_factory())
    assert (rule.min_km, rule.max_km, rule.max_age_days) == (300, 2000, 365)


def test_eligibility_uses_the_identified_vehicle_registration(uow_factory, garage, now) -> None:
    today = now.date()
    assert visit_1000_eligibility(uow_factory(), garage["camille"], 900, today).eligible
    assert (
        visit_1000_eligibility(uow_factory(), garage["camille"], 2000, today).reason
        == "mileage_too_high"
    )
    # James's BMW has no registration date
    assert (
        visit_1000_eligibility(uow_factory(), garage["james"], 900, today).reason
        == "no_registration_date"
    )
    with uow_factory() as uow:
        vehicle_id = uow.session.get(Customer, garage["camille"]).identified_vehicle_id
        uow.session.get(Vehicle, vehicle_id).first_registration = date(2020, 1, 1)
        uow.commit()
    too_old = visit_1000_eligibility(uow_factory(), garage["camille"], 900, today)
    assert too_old.reason == "vehicle_too_old" and too_old.age_days > 365


def test_eligibility_without_identified_vehicle_is_not_found(uow_factory, garage, now) -> None:
    with uow_factory() as uow:
        uow.session.get(Customer, garage["james"]).identified_vehicle_id = None
        uow.commit()
    with pytest.raises(NotFound) as error:
        visit_1000_eligibility(uow_factory(), garage["james"], 900, now.date())
    assert error.value.code == "vehicle_not_identified"


def test_agencies_offering_a_service_come_nearest_first(uow_factory, add_calendar) -> None:
    for code in ("lyon", "paris", "bordeaux"):
        add_calendar(code, "maintenance")
    add_calendar("paris", "road_test")
    coordinates = {
        "lyon": (45.7326, 4.8286),
        "paris": (48.8843, 2.3550),
        "bordeaux": (44.88, -0.56),
    }
    with uow_factory() as uow:
        for agency in uow.session.scalars(select(Agency)):
            agency.latitude, agency.longitude = coordinates[agency.code]
        uow.commit()

    lyon = locate("69003")
    near_lyon = agencies_near(uow_factory(), "maintenance", lyon.latitude, lyon.longitude)
    assert [agency.code for agency, _ in near_lyon] == ["lyon", "paris", "bordeaux"]
    distances = [km for _, km in near_lyon]
    assert distances == sorted(distances) and distances[0] < 10
    near_bordeaux = agencies_near(uow_factory(), "maintenance", 44.84, -0.58)
    assert near_bordeaux[0][0].code == "bordeaux"
    unsorted = agencies_near(uow_factory(), "maintenance")
    assert {km for _, km in unsorted} == {None} and len(unsorted) == 3
    assert [a.code for a, _ in agencies_near(uow_factory(), "road_test", 44.84, -0.58)] == ["paris"]
