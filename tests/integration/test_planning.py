"""The manager's planning on a real database (SQLite and PostgreSQL): no-shows by a
conditional update, the paged bookings search, the planning's slots and free places, incoming
requests marked seen or moved (capacity guarded, one transaction), the dashboard's figures on
known data, and the mechanics' bound on a workshop calendar's staff."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from core.booking_search import BookingFilters, mark_no_show, search_bookings
from core.bookings import book_slot, cancel_booking
from core.dashboard import dashboard
from core.errors import Forbidden, InvalidTransition, InvalidValue, SlotTaken
from core.jobs import move, open_walk_in
from core.models import (
    Agency,
    Booking,
    BookingAcknowledgement,
    Customer,
    StaffUser,
    SurveyResponse,
    Vehicle,
)
from core.planning import acknowledge, incoming_requests, move_request, planning
from core.service_settings import apply_settings, get_settings
from core.staff_agencies import agency_mechanics, set_staff_agency, workshop_staffing

AGENCY = "test-agency"
WEDNESDAY = date(2025, 11, 19)  # FIXED_NOW's local day


@pytest.fixture
def calendar(add_calendar) -> None:
    add_calendar(AGENCY, "maintenance", capacity=2)


def customer(uow_factory, name: str = "Camille Martin") -> int:
    with uow_factory() as uow:
        person = Customer(name=name, language="fr")
        uow.session.add(person)
        uow.session.flush()
        uow.commit()
        return person.id


def book(uow_factory, at: datetime, now: datetime, customer_id: int | None = None) -> str:
    return book_slot(
        uow_factory(),
        agency_code=AGENCY,
        service_code="maintenance",
        start_utc=at,
        customer_id=customer_id,
        channel="web",
        now=now,
    ).reference


def status_of(uow_factory, reference: str) -> str:
    with uow_factory() as uow:
        return uow.session.scalar(select(Booking.status).where(Booking.reference == reference))


def test_a_started_confirmed_booking_becomes_a_no_show_once(
    uow_factory, calendar, now, local_dt
) -> None:
    earlier = now - timedelta(days=1)
    reference = book(uow_factory, local_dt(2025, 11, 19, 9), earlier)  # started at 9:00
    later = book(uow_factory, local_dt(2025, 11, 20, 9), now)

    with pytest.raises(InvalidTransition) as not_started:
        mark_no_show(uow_factory(), later, now=now)
    done = mark_no_show(uow_factory(), reference, now=now)
    with pytest.raises(InvalidTransition) as twice:
        mark_no_show(uow_factory(), reference, now=now)

    assert done.status == "no_show" and status_of(uow_factory, reference) == "no_show"
    assert not_started.value.code == "not_started" and status_of(uow_factory, later) == "confirmed"
    assert twice.value.code == "not_confirmed"
    cancelled = book(uow_factory, local_dt(2025, 11, 19, 14), now)
    cancel_booking(uow_factory(), cancelled)
    with pytest.raises(InvalidTransition):
        mark_no_show(uow_factory(), cancelled, now=now + timedelta(hours=6))
    assert status_of(uow_factory, cancelled) == "cancelled"


def test_the_bookings_search_pages_and_filters(uow_factory, calendar, now, local_dt) -> None:
    zoe = customer(uow_factory, "Zoé Lambert")
    references = [
        book(uow_factory, local_dt(2025, 11, 20, hour), now, zoe if hour == 9 else None)
        for hour in (9, 10, 11, 14, 15)
    ]
    cancel_booking(uow_factory(), references[-1])

    first = search_bookings(uow_factory(), BookingFilters(agency=AGENCY), page=1, per_page=2)
    last = search_bookings(uow_factory(), BookingFilters(agency=AGENCY), page=9, per_page=2)
    confirmed = search_bookings(uow_factory(), BookingFilters(status="confirmed"))
    by_name = search_bookings(uow_factory(), BookingFilters(text="zoé"))
    by_reference = search_bookings(uow_factory(), BookingFilters(text=references[2][-4:].lower()))
    window = search_bookings(
        uow_factory(),
        BookingFilters(start_from=local_dt(2025, 11, 20, 10), start_to=local_dt(2025, 11, 20, 14)),
    )
    percent = search_bookings(uow_factory(), BookingFilters(text="%"))

    assert (first.total, first.pages, first.page) == (5, 3, 1)
    assert [b.reference for b in first.bookings] == references[:2]
    assert (last.page, [b.reference for b in last.bookings]) == (3, references[4:])
    assert confirmed.total == 4
    assert [b.reference for b in by_name.bookings] == [references[0]]
    assert [b.reference for b in by_reference.bookings] == [references[2]]
    assert [b.reference for b in window.bookings] == references[1:3]
    assert percent.total == 0  # a wildcard is searched as a character
    with pytest.raises(InvalidValue):
        search_bookings(uow_factory(), BookingFilters(status="lost"))


def test_the_planning_shows_each_slot_with_its_bookings_and_free_places(
    uow_factory, calendar, now, local_dt
) -> None:
    camille = customer(uow_factory, "Camille Martin")
    early = now - timedelta(days=2)
    full = local_dt(2025, 11, 20, 9)
    book(uow_factory, full, now, camille)
    book(uow_factory, full, now)
    missed = book(uow_factory, local_dt(2025, 11, 19, 9), early, camille)
    mark_no_show(uow_factory(), missed, now=now)
    gone = book(uow_factory, local_dt(2025, 11, 20, 10), now, camille)
    cancel_booking(uow_factory(), gone)

    week = planning(uow_factory(), AGENCY, "maintenance", WEDNESDAY, "week", now)
    day = planning(uow_factory(), AGENCY, "maintenance", WEDNESDAY, "day", now)

    assert [d.day for d in week.days][0] == date(2025, 11, 17) and len(week.days) == 7
    assert [d.day for d in day.days] == [WEDNESDAY]
    thursday = next(d for d in week.days if d.day == date(2025, 11, 20))
    slots = {s.start_utc: s for s in thursday.slots}
    assert slots[full].free == 0 and slots[full].places == 2
    assert sorted((b.first_name or "") for b in slots[full].bookings) == ["", "Camille"]
    assert slots[local_dt(2025, 11, 20, 10)].free == 2  # the cancelled booking gave it back
    assert slots[local_dt(2025, 11, 20, 10)].bookings == ()
    wednesday = day.days[0]
    nine = next(s for s in wednesday.slots if s.start_utc == local_dt(2025, 11, 19, 9))
    assert nine.past and [b.status for b in nine.bookings] == ["no_show"]
    with pytest.raises(InvalidValue):
        planning(uow_factory(), AGENCY, "maintenance", WEDNESDAY, "month", now)


def test_incoming_requests_leave_once_seen_or_moved_and_a_full_slot_changes_nothing(
    uow_factory, calendar, add_staff, now, local_dt
) -> None:
    manager = add_staff("Thomas Manager", role="manager")
    first = book(uow_factory, local_dt(2025, 11, 20, 9), now)
    second = book(uow_factory, local_dt(2025, 11, 20, 10), now)
    full = local_dt(2025, 11, 21, 9)
    book(uow_factory, full, now)
    book(uow_factory, full, now)

    assert acknowledge(uow_factory(), first, staff_id=manager, now=now) is True
    assert acknowledge(uow_factory(), first, staff_id=manager, now=now) is False
    with pytest.raises(SlotTaken):
        move_request(uow_factory(), second, full, staff_id=manager, now=now)
    waiting = [b.reference for b in incoming_requests(uow_factory(), AGENCY, now)]
    moved = move_request(
        uow_factory(), second, local_dt(2025, 11, 21, 10), staff_id=manager, now=now
    )

    assert first not in waiting and second in waiting  # the failed move was not marked seen
    assert moved.start_utc == local_dt(2025, 11, 21, 10)
    assert second not in [b.reference for b in incoming_requests(uow_factory(), AGENCY, now)]
    with uow_factory() as uow:
        assert uow.session.scalar(select(BookingAcknowledgement.staff_id).limit(1)) == manager


def test_a_manager_of_another_agency_changes_nothing_in_this_ones_planning(
    uow_factory, calendar, add_calendar, add_staff, now, local_dt
) -> None:
    add_calendar("other-agency", "maintenance")
    elsewhere = add_staff("Léa Manager", role="manager")
    set_staff_agency(uow_factory(), elsewhere, "other-agency")
    here = add_staff("Thomas Manager", role="manager")
    set_staff_agency(uow_factory(), here, AGENCY)
    request = book(uow_factory, local_dt(2025, 11, 20, 9), now)

    with pytest.raises(Forbidden) as refused:
        acknowledge(uow_factory(), request, staff_id=elsewhere, now=now)
    with pytest.raises(Forbidden):
        move_request(
            uow_factory(), request, local_dt(2025, 11, 20, 10), staff_id=elsewhere, now=now
        )

    assert refused.value.code == "other_agency"
    waiting = incoming_requests(uow_factory(), AGENCY, now)
    assert [(b.reference, b.start_utc) for b in waiting] == [(request, local_dt(2025, 11, 20, 9))]
    assert acknowledge(uow_factory(), request, staff_id=here, now=now) is True


def test_the_dashboard_counts_known_data(uow_factory, calendar, add_staff, now, local_dt) -> None:
    mechanic = add_staff("Karim Mechanic", role="mechanic")
    person = customer(uow_factory, "Nora Petit")
    with uow_factory() as uow:
        vehicle = Vehicle(customer_id=person, brand="Yamaha", model="MT-07", plate="AB-1")
        uow.session.add(vehicle)
        uow.session.flush()
        vehicle_id = vehicle.id
        uow.commit()
    two_weeks_ago = now - timedelta(days=14)
    references = [
        book(uow_factory, local_dt(2025, 11, 5, hour), two_weeks_ago - timedelta(days=1))
        for hour in (9, 10, 11)
    ]
    mark_no_show(uow_factory(), references[0], now=two_weeks_ago)
    book(uow_factory, local_dt(2025, 11, 20, 9), now)  # this week
    with uow_factory() as uow:
        ids = uow.session.scalars(
            select(Booking.id).where(Booking.reference.in_(references[1:])).order_by(Booking.id)
        ).all()
        uow.session.add_all(
            [
                SurveyResponse(booking_id=ids[0], sent_at=two_weeks_ago, rating=5),
                SurveyResponse(booking_id=ids[1], sent_at=two_weeks_ago, rating=2),
            ]
        )
        uow.commit()

    def walk(path: list[str], opened: datetime, step: timedelta) -> None:
        job = open_walk_in(
            uow_factory(),
            agency_code=AGENCY,
            vehicle_id=vehicle_id,
            problem="Bruit au freinage",
            by_staff_id=mechanic,
            now=opened,
        )
        at = opened
        for status in path:
            at += step
            job = move(
                uow_factory(),
                job.id,
                status,
                expected_version=job.version,
                by_staff_id=mechanic,
                now=at,
            )

    to_pickup = ["diagnosing", "estimate_sent", "approved", "in_progress", "ready_for_pickup"]
    walk([*to_pickup, "returned"], two_weeks_ago, timedelta(hours=8))  # 48 h
    walk(["diagnosing", "estimate_sent", "declined", "returned"], two_weeks_ago, timedelta(hours=6))
    walk(["diagnosing"], now - timedelta(hours=2), timedelta(hours=1))

    board = dashboard(uow_factory(), AGENCY, now)
    everyone = dashboard(uow_factory(), None, now, weeks=1)

    assert len(board.weeks) == 12 and board.weeks[-1].week == date(2025, 11, 17)
    by_week = {w.week: w for w in board.weeks}
    assert (by_week[date(2025, 11, 3)].bookings, by_week[date(2025, 11, 3)].no_shows) == (3, 1)
    assert by_week[date(2025, 11, 3)].jobs == 2 and by_week[date(2025, 11, 17)].jobs == 1
    assert by_week[date(2025, 11, 17)].bookings == 1
    assert board.turnaround_hours == pytest.approx((48 + 24) / 2) and board.returned == 2
    assert (board.approved, board.declined, board.no_shows) == (1, 1, 1)
    [agency] = [s for s in board.satisfaction if s.agency == AGENCY]
    assert (agency.average, agency.count) == (3.5, 2)
    assert len(everyone.weeks) == 1 and everyone.no_shows == 0
    with pytest.raises(InvalidValue):
        dashboard(uow_factory(), AGENCY, now, weeks=0)


def test_a_workshop_calendar_cannot_have_more_staff_than_the_agencys_mechanics(
    uow_factory, calendar, add_staff, now
) -> None:
    current = get_settings(uow_factory(), AGENCY, "maintenance")
    more = current.__class__(**{**current.__dict__, "staff_count": 2})
    apply_settings(uow_factory(), AGENCY, "maintenance", more, now)  # no mechanic: not bounded
    karim = add_staff("Karim", role="mechanic")
    julie = add_staff("Julie", role="mechanic")
    set_staff_agency(uow_factory(), karim, AGENCY)

    with pytest.raises(InvalidValue) as refused:
        apply_settings(uow_factory(), AGENCY, "maintenance", more, now)
    [over] = [s for s in workshop_staffing(uow_factory()) if s.agency == AGENCY]
    set_staff_agency(uow_factory(), julie, AGENCY)
    applied = apply_settings(uow_factory(), AGENCY, "maintenance", more, now)
    with uow_factory() as uow:
        uow.session.execute(update(StaffUser).where(StaffUser.id == julie).values(active=False))
        uow.commit()
    [after] = [s for s in workshop_staffing(uow_factory()) if s.agency == AGENCY]

    assert refused.value.code == "staff_over_mechanics"
    assert (over.staff_count, over.mechanics, over.over) == (2, 1, True)
    assert applied.settings.staff_count == 2
    assert agency_mechanics(uow_factory(), AGENCY) == [(karim, "Karim")]
    assert after.over  # reported, nothing cancelled
    with uow_factory() as uow:
        assert uow.session.scalar(select(Agency.id).where(Agency.code == AGENCY)) is not None
