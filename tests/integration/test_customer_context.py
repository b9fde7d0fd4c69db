"""The customer context beside a conversation (core/customer_context.py), in the database:
what is known of an identified customer, what is known of a chat not identified yet."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core import feedback, handoff, mileage
from core.bookings import book_slot
from core.callbacks import request_callback
from core.customer_context import customer_context
from core.customers import find_customer
from core.errors import NotFound
from core.models import Customer, Vehicle


@pytest.fixture
def advisor(add_staff, now) -> int:
    return add_staff("Nina Roux", available=True, seen=now)


@pytest.fixture
def calendars(add_calendar) -> None:
    add_calendar("paris-test", "maintenance")
    add_calendar("paris-test", "road_test")  # a test ride's calendar


def add_vehicle(uow_factory, customer_id: int, plate: str, *, identified: bool) -> int:
    with uow_factory() as uow:
        vehicle = Vehicle(
            customer_id=customer_id, plate=plate, brand="Ducati", model="Monster 821", year=2019
        )
        uow.session.add(vehicle)
        uow.session.flush()
        if identified:
            uow.session.get(Customer, customer_id).identified_vehicle_id = vehicle.id
        uow.commit()
        return vehicle.id


def book(uow_factory, customer_id: int, service: str, start, now) -> str:
    return book_slot(
        uow_factory(),
        agency_code="paris-test",
        service_code=service,
        start_utc=start,
        customer_id=customer_id,
        channel="web",
        now=now,
    ).reference


def earlier_closed_request(uow_factory, conversation_id: int, advisor: int, at) -> int:
    request = handoff.request_handoff(uow_factory(), conversation_id, at)
    handoff.accept(uow_factory(), request.id, advisor, at + timedelta(minutes=1))
    handoff.close(uow_factory(), request.id, advisor, at + timedelta(minutes=9))
    return request.id


def test_an_identified_customer_comes_with_vehicles_bookings_to_come_and_open_matters(
    uow_factory, calendars, advisor, add_conversation, local_dt, now
) -> None:
    conversation = add_conversation("web", "visitor-ctx", customer="Camille Martin")
    camille = find_customer(uow_factory(), "web", "visitor-ctx").id
    bike = add_vehicle(uow_factory, camille, "AB-123-CD", identified=True)
    add_vehicle(uow_factory, camille, "EF-789-GH", identified=False)
    mileage.record_reading(
        uow_factory(), bike, 31900, source="customer", read_at=now - timedelta(days=3)
    )
    book(uow_factory, camille, "maintenance", local_dt(2025, 11, 10, 9), now - timedelta(days=14))
    service = book(uow_factory, camille, "maintenance", local_dt(2025, 11, 24, 9), now)
    ride = book(uow_factory, camille, "road_test", local_dt(2025, 11, 25, 14), now)
    complaint = feedback.file_complaint(
        uow_factory(),
        text="Le rendez-vous a été déplacé sans prévenir.",
        customer_id=camille,
        conversation_id=conversation,
        now=now,
    )
    settled = feedback.file_complaint(
        uow_factory(),
        text="Une ancienne réclamation, réglée depuis.",
        customer_id=camille,
        conversation_id=None,
        now=now - timedelta(days=30),
    )
    feedback.answer_complaint(
        uow_factory(), settled.reference, staff_id=advisor, answer="Réglé.", close=True, now=now
    )
    callback = request_callback(
        uow_factory(),
        conversation_id=conversation,
        customer_id=camille,
        phone="06 12 34 56 78",
        note="Le devis des pneus",
        now=now,
    )
    before = earlier_closed_request(uow_factory, conversation, advisor, now - timedelta(days=2))
    current = handoff.request_handoff(uow_factory(), conversation, now)

    context = customer_context(uow_factory(), current.id, now)

    assert (context.request.channel, context.language) == ("web", "fr")
    assert context.customer is not None and context.customer.name == "Camille Martin"
    first, second = context.vehicles
    assert (first.id, first.plate, first.model) == (bike, "AB-123-CD", "Monster 821")
    assert first.year == 2019
    assert first.identified and not second.identified
    assert (first.last_service, first.latest_km) == (date(2025, 11, 10), 31900)
    assert (second.last_service, second.latest_km) == (date(2025, 11, 10), None)
    assert [(b.booking.reference, b.kind) for b in context.bookings] == [
        (service, "workshop"),
        (ride, "test_ride"),
    ]  # the past one left out
    assert context.bookings[0].booking.start_utc == local_dt(2025, 11, 24, 9)
    assert context.bookings[1].service_fr == "road_test"  # the test calendar's own name
    assert context.bookings_total == 2
    assert [c.reference for c in context.complaints] == [complaint.reference]
    assert [c.reference for c in context.callbacks] == [callback.reference]
    assert [(e.id, e.status, e.advisor_name) for e in context.earlier] == [
        (before, "closed", "Nina Roux")
    ]
    assert context.timezone == "Europe/Paris"


def test_another_customers_bookings_and_requests_stay_out(
    uow_factory, calendars, advisor, add_conversation, local_dt, now
) -> None:
    mine = add_conversation("telegram", "100", customer="Hugo Bernard")
    theirs = add_conversation("web", "visitor-other", customer="Léa Dubois")
    lea = find_customer(uow_factory(), "web", "visitor-other").id
    book(uow_factory, lea, "maintenance", local_dt(2025, 11, 24, 10), now)
    earlier_closed_request(uow_factory, theirs, advisor, now - timedelta(days=1))
    current = handoff.request_handoff(uow_factory(), mine, now)

    context = customer_context(uow_factory(), current.id, now)

    assert context.customer is not None and context.customer.name == "Hugo Bernard"
    assert (context.vehicles, context.bookings, context.bookings_total) == ((), (), 0)
    assert (context.complaints, context.callbacks, context.earlier) == ((), (), ())


def test_a_chat_not_identified_yet_gives_what_the_conversation_knows(
    seeded_uow_factory, advisor, add_conversation, now
) -> None:
    conversation = add_conversation("whatsapp", "+33600000001", language="en")
    refused = handoff.request_handoff(seeded_uow_factory(), conversation, now - timedelta(hours=1))
    handoff.refuse(seeded_uow_factory(), refused.id, advisor, now - timedelta(minutes=50))
    current = handoff.request_handoff(seeded_uow_factory(), conversation, now)

    context = customer_context(seeded_uow_factory(), current.id, now)

    assert context.customer is None
    assert (context.request.channel, context.language) == ("whatsapp", "en")
    assert (context.vehicles, context.bookings, context.complaints) == ((), (), ())
    assert [(e.id, e.status, e.advisor_name) for e in context.earlier] == [
        (refused.id, "refused", "Nina Roux")
    ]


def test_the_demo_customer_who_identified_her_bike_has_its_history(
    seeded_uow_factory, advisor, now
) -> None:
    from core import conversations

    conversation = conversations.get_or_create_conversation(
        seeded_uow_factory(), "web", "demo-camille", "fr"
    )
    current = handoff.request_handoff(seeded_uow_factory(), conversation.id, now)

    context = customer_context(seeded_uow_factory(), current.id, now)

    (bike,) = context.vehicles
    assert (bike.plate, bike.model, bike.latest_km) == ("AB-123-CD", "Monster 821", 31900)
    assert bike.last_service == (now - timedelta(days=200)).date()
    assert len(context.bookings) <= 5 <= context.bookings_total  # a handful of the demo's


def test_an_unknown_request_is_not_found(uow_factory, now) -> None:
    with pytest.raises(NotFound) as caught:
        customer_context(uow_factory(), 4242, now)
    assert caught.value.code == "unknown_handoff"
