"""core/reminders.py on SQLite and PostgreSQL: claiming a due reminder once, never for a
cancelled or started booking, stale claims, DST-exact due times. Also the booking helpers
the other reminder tests use."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from core import bookings, conversations
from core.models import Booking, ChannelIdentity, Customer, Reminder
from core.reminders import (
    CLAIM_TIMEOUT,
    claim_reminder,
    finish_reminder,
    pending_reminders,
    reminder_message,
    reminder_status,
)

AGENCY, SERVICE = "test-agency", "maintenance"


@dataclass(frozen=True)
class Booked:
    reference: str
    booking_id: int
    conversation_id: int
    customer_id: int
    start: datetime
    reminder_id: int | None  # None: skipped (already due at booking time)
    survey_id: int


def book(
    uow_factory,
    add_conversation,
    *,
    start: datetime,
    now: datetime,
    channel: str = "web",
    external_id: str | None = None,
    language: str = "fr",
    phone: str | None = None,
    email: str | None = None,
) -> Booked:
    """A customer known on `channel` (with a conversation there) books `start`."""
    conversation_id = add_conversation(channel, external_id, customer="Camille", language=language)
    conversation = conversations.get_conversation(uow_factory(), conversation_id)
    with uow_factory() as uow:
        customer_id = uow.session.scalar(
            select(ChannelIdentity.customer_id).where(
                ChannelIdentity.channel == channel,
                ChannelIdentity.external_id == conversation.external_id,
            )
        )
        customer = uow.session.get(Customer, customer_id)
        customer.phone, customer.email = phone, email
        uow.commit()
    view = bookings.book_slot(
        uow_factory(),
        agency_code=AGENCY,
        service_code=SERVICE,
        start_utc=start,
        customer_id=customer_id,
        channel=channel,
        now=now,
    )
    booking_id, rows = reminder_rows(uow_factory, view.reference)
    return Booked(
        view.reference,
        booking_id,
        conversation_id,
        customer_id,
        start,
        rows.get("reminder"),
        rows["survey"],
    )


def reminder_rows(uow_factory, reference: str) -> tuple[int, dict[str, int]]:
    with uow_factory() as uow:
        booking_id = uow.session.scalar(select(Booking.id).where(Booking.reference == reference))
        rows = uow.session.execute(
            select(Reminder.kind, Reminder.id).where(Reminder.booking_id == booking_id)
        )
        return booking_id, {kind: rid for kind, rid in rows}


def due_at(uow_factory, reminder_id: int) -> datetime:
    with uow_factory() as uow:
        return uow.session.scalar(select(Reminder.due_at).where(Reminder.id == reminder_id))


@pytest.fixture
def calendar(add_calendar) -> None:
    add_calendar(AGENCY, SERVICE, capacity=4)


@pytest.fixture
def monday_9(local_dt) -> datetime:
    """Monday 24 November 2025, 09:00 in Paris: the week after the fixed `now`."""
    return local_dt(2025, 11, 24, 9, 0)


def test_a_reminder_is_claimed_only_once_it_is_due_and_only_once(
    uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    booked = book(uow_factory, add_conversation, start=monday_9, now=now, phone="+33612345678")
    due = due_at(uow_factory, booked.reminder_id)
    assert due == monday_9 - timedelta(hours=24)

    assert claim_reminder(uow_factory(), booked.reminder_id, due - timedelta(seconds=1)) is None
    assert reminder_status(uow_factory(), booked.reminder_id)[0] == "pending"
    task = claim_reminder(uow_factory(), booked.reminder_id, due)
    again = claim_reminder(uow_factory(), booked.reminder_id, due + timedelta(minutes=1))

    assert task is not None and again is None
    assert (task.kind, task.booking.reference, task.customer_name) == (
        "reminder",
        booked.reference,
        "Camille",
    )
    assert task.customer_phone == "+33612345678" and task.language == "fr"
    assert [r.conversation_id for r in task.recipients] == [booked.conversation_id]
    assert reminder_status(uow_factory(), booked.reminder_id)[:2] == ("sending", 1)


def test_finishing_records_sent_or_failed_for_the_claim_that_holds_it(
    uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    booked = book(uow_factory, add_conversation, start=monday_9, now=now)
    due = due_at(uow_factory, booked.reminder_id)
    task = claim_reminder(uow_factory(), booked.reminder_id, due)
    assert task is not None

    assert not finish_reminder(
        uow_factory(), booked.reminder_id, sent=True, now=due, claimed_at=due - timedelta(hours=1)
    )
    assert finish_reminder(
        uow_factory(), booked.reminder_id, sent=True, now=due, claimed_at=task.claimed_at
    )
    assert reminder_status(uow_factory(), booked.reminder_id) == ("sent", 1, due)
    assert claim_reminder(uow_factory(), booked.reminder_id, due + CLAIM_TIMEOUT * 2) is None


def test_a_cancelled_booking_has_nothing_to_claim(
    uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    booked = book(uow_factory, add_conversation, start=monday_9, now=now)
    bookings.cancel_booking(uow_factory(), booked.reference)

    assert claim_reminder(uow_factory(), booked.reminder_id, monday_9) is None
    assert claim_reminder(uow_factory(), booked.survey_id, monday_9 + timedelta(days=1)) is None
    assert reminder_status(uow_factory(), booked.reminder_id)[0] == "cancelled"
    assert pending_reminders(uow_factory()) == []


def test_a_pending_row_of_a_booking_cancelled_behind_its_back_is_closed_when_due(
    uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    booked = book(uow_factory, add_conversation, start=monday_9, now=now)
    with uow_factory() as uow:  # cancelled without the booking service (rows left pending)
        uow.session.execute(
            update(Booking).where(Booking.id == booked.booking_id).values(status="cancelled")
        )
        uow.commit()
    due = due_at(uow_factory, booked.reminder_id)

    assert claim_reminder(uow_factory(), booked.reminder_id, due - timedelta(minutes=1)) is None
    assert reminder_status(uow_factory(), booked.reminder_id)[0] == "pending"  # not due yet
    assert claim_reminder(uow_factory(), booked.reminder_id, due) is None
    assert reminder_status(uow_factory(), booked.reminder_id)[0] == "cancelled"


def test_a_reminder_is_not_sent_once_the_appointment_has_started_but_the_survey_is(
    uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    booked = book(uow_factory, add_conversation, start=monday_9, now=now)
    survey_due = due_at(uow_factory, booked.survey_id)

    assert claim_reminder(uow_factory(), booked.reminder_id, monday_9) is None
    assert reminder_status(uow_factory(), booked.reminder_id)[0] == "cancelled"
    assert (
        claim_reminder(uow_factory(), booked.survey_id, survey_due - timedelta(seconds=1)) is None
    )
    survey = claim_reminder(uow_factory(), booked.survey_id, survey_due + timedelta(days=2))
    assert survey is not None and survey.kind == "survey"


def test_a_moved_booking_is_claimed_at_its_new_time_only(
    uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    booked = book(uow_factory, add_conversation, start=monday_9, now=now)
    old_due = due_at(uow_factory, booked.reminder_id)
    later = monday_9 + timedelta(days=1, hours=5)  # Tuesday 14:00
    bookings.move_booking(uow_factory(), booked.reference, later, now=now)

    assert due_at(uow_factory, booked.reminder_id) == later - timedelta(hours=24)
    assert claim_reminder(uow_factory(), booked.reminder_id, old_due) is None
    assert reminder_status(uow_factory(), booked.reminder_id)[0] == "pending"
    task = claim_reminder(uow_factory(), booked.reminder_id, later - timedelta(hours=24))
    assert task is not None and task.booking.start_utc == later


def test_a_stale_claim_can_be_taken_again_after_the_timeout(
    uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    booked = book(uow_factory, add_conversation, start=monday_9, now=now)
    due = due_at(uow_factory, booked.reminder_id)
    first = claim_reminder(uow_factory(), booked.reminder_id, due)
    assert first is not None

    assert claim_reminder(uow_factory(), booked.reminder_id, due + CLAIM_TIMEOUT / 2) is None
    listed = dict(pending_reminders(uow_factory(), due + CLAIM_TIMEOUT / 2))
    assert listed[booked.reminder_id] == due + CLAIM_TIMEOUT  # the sync wakes up for it
    second = claim_reminder(uow_factory(), booked.reminder_id, due + CLAIM_TIMEOUT)
    assert second is not None
    assert reminder_status(uow_factory(), booked.reminder_id)[:2] == ("sending", 2)
    assert not finish_reminder(
        uow_factory(), booked.reminder_id, sent=True, now=due, claimed_at=first.claimed_at
    )


def test_concurrent_claimers_send_one_reminder(
    uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    booked = book(uow_factory, add_conversation, start=monday_9, now=now)
    due = due_at(uow_factory, booked.reminder_id)
    barrier = threading.Barrier(6)
    results: list[object] = []

    def claimer() -> None:
        barrier.wait()
        results.append(claim_reminder(uow_factory(), booked.reminder_id, due))

    threads = [threading.Thread(target=claimer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 6
    assert len([r for r in results if r is not None]) == 1
    assert reminder_status(uow_factory(), booked.reminder_id)[:2] == ("sending", 1)


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [((2026, 3, 30), 7), ((2026, 10, 26), 8)],  # Mondays after the last Sundays of Mar/Oct
)
def test_the_reminder_is_due_24_real_hours_before_across_a_dst_change(
    uow_factory, add_conversation, calendar, local_dt: Callable[..., datetime], day, utc_hour
) -> None:
    start = local_dt(*day, 9, 0)
    booked = book(uow_factory, add_conversation, start=start, now=start - timedelta(days=5))
    due = due_at(uow_factory, booked.reminder_id)

    assert start.hour == utc_hour
    assert due == start - timedelta(hours=24)
    assert claim_reminder(uow_factory(), booked.reminder_id, due - timedelta(minutes=1)) is None
    task = claim_reminder(uow_factory(), booked.reminder_id, due)
    assert task is not None
    assert "09:00" in reminder_message(task, "Europe/Paris")[1]


def test_pending_reminders_lists_pending_rows_soonest_first(
    uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    later = book(uow_factory, add_conversation, start=monday_9 + timedelta(days=1), now=now)
    sooner = book(uow_factory, add_conversation, start=monday_9, now=now)

    listed = pending_reminders(uow_factory())

    ids = [rid for rid, _ in listed]
    assert ids.index(sooner.reminder_id) < ids.index(later.reminder_id)
    assert {sooner.survey_id, later.survey_id} <= set(ids)
    assert [due for _, due in listed] == sorted(due for _, due in listed)


def test_a_stale_claim_of_a_booking_cancelled_since_is_closed_not_retried(
    uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    booked = book(uow_factory, add_conversation, start=monday_9, now=now)
    due = due_at(uow_factory, booked.reminder_id)
    assert claim_reminder(uow_factory(), booked.reminder_id, due) is not None
    bookings.cancel_booking(uow_factory(), booked.reference)  # the sender died meanwhile
    assert reminder_status(uow_factory(), booked.reminder_id)[0] == "sending"

    assert claim_reminder(uow_factory(), booked.reminder_id, due + CLAIM_TIMEOUT) is None
    assert reminder_status(uow_factory(), booked.reminder_id)[0] == "cancelled"
    listed = [rid for rid, _ in pending_reminders(uow_factory(), due + CLAIM_TIMEOUT)]
    assert booked.reminder_id not in listed
