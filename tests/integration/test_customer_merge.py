"""A chat's own records follow the customer a one-time code proved it to be (identification
or a MyCar account): nothing lost, nothing duplicated, nothing merged without the code."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from core import otp, profile
from core.bookings import (
    book_slot,
    cancel_booking,
    get_booking,
    move_booking,
    offer_slots,
    upcoming_bookings,
)
from core.conversations import get_or_create_conversation
from core.customer_merge import merge_chat_into
from core.customers import CustomerView, find_customer, register_customer
from core.db import make_engine, make_session_factory
from core.errors import NoChallenge, WrongCode
from core.feedback import file_complaint
from core.identity import identify_vehicle
from core.models import (
    Booking,
    CallbackTask,
    ChannelIdentity,
    Complaint,
    Customer,
    OtpChallenge,
    Reminder,
)
from core.otp_limits import DEFAULT_LIMITS
from core.uow import UnitOfWork
from core.uow import uow_factory as make_uow_factory
from core.workshop import request_callback

UowFactory = Callable[[], UnitOfWork]
CAMILLE_BIKE = ("AB-123-CD", "ZDM1RBBW5KB012345")  # Camille: e-mail and phone on file
LEA_BIKE = ("EF-789-GH", "JYADM0710NA012345")  # Léa: a phone, no e-mail


def open_chat(uow: UowFactory, external_id: str, contact: str = "") -> tuple[int, int | None]:
    """A web conversation; with a contact, the provisional record the booking form makes."""
    conversation_id = get_or_create_conversation(uow(), "web", external_id).id
    if not contact:
        return conversation_id, None
    customer = register_customer(
        uow(),
        channel="web",
        external_id=external_id,
        name="Visiteur",
        contact=contact,
        language="fr",
    )
    return conversation_id, customer.id


def book(uow: UowFactory, customer_id: int, now: datetime, index: int = 0) -> str:
    slot = offer_slots(uow(), "paris-nord", "maintenance", now, limit=30).slots[index]
    return book_slot(
        uow(),
        agency_code="paris-nord",
        service_code="maintenance",
        start_utc=slot.start_utc,
        customer_id=customer_id,
        channel="web",
        now=now,
    ).reference


MANY_CHATS = DEFAULT_LIMITS.scaled(10)


def verified_challenge(
    uow: UowFactory, conversation_id: int, bike: tuple[str, str], now: datetime
) -> int:
    """The chat proves the bike is theirs: a code by SMS to the owner, typed back right."""
    vehicle_id = identify_vehicle(uow(), *bike).vehicle_id
    assert vehicle_id is not None
    view, code = otp.start_identification(
        uow(),
        conversation_id=conversation_id,
        vehicle_id=vehicle_id,
        transport="sms",
        now=now,
        limits=MANY_CHATS,  # one owner's six chats at once: not an attacker (core/otp_limits.py)
    )
    otp.verify_code(uow(), conversation_id=conversation_id, code=code, now=now)
    return view.id


def identify(
    uow: UowFactory, conversation_id: int, external_id: str, bike: tuple[str, str], now: datetime
) -> CustomerView:
    challenge_id = verified_challenge(uow, conversation_id, bike, now)
    return otp.complete_identification(
        uow(), challenge_id=challenge_id, channel="web", external_id=external_id, now=now
    )


def references(uow: UowFactory, customer_id: int, now: datetime) -> set[str]:
    return {booking.reference for booking in upcoming_bookings(uow(), customer_id, now)}


def snapshot(uow: UowFactory) -> dict[str, Any]:
    """Every row the merge may touch, as plain values."""
    with uow() as unit:
        session = unit.session

        def rows(*columns: Any) -> list[tuple]:
            return sorted(tuple(row) for row in session.execute(select(*columns)))

        return {
            "customers": rows(
                Customer.id,
                Customer.name,
                Customer.email,
                Customer.phone,
                Customer.identified_vehicle_id,
            ),
            "identities": rows(
                ChannelIdentity.channel, ChannelIdentity.external_id, ChannelIdentity.customer_id
            ),
            "bookings": rows(Booking.reference, Booking.customer_id, Booking.status),
            "reminders": rows(Reminder.booking_id, Reminder.kind, Reminder.status),
            "complaints": rows(Complaint.reference, Complaint.customer_id),
            "callbacks": rows(CallbackTask.reference, CallbackTask.customer_id),
            "codes": rows(OtpChallenge.id, OtpChallenge.customer_id),
        }


def exists(uow: UowFactory, customer_id: int) -> bool:
    with uow() as unit:
        return unit.session.get(Customer, customer_id) is not None


def test_a_booking_made_before_identification_is_listed_with_the_owners_and_stays_manageable(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    uow = seeded_uow_factory
    owner_id = find_customer(uow(), "web", "demo-camille").id
    owners_own = book(uow, owner_id, now)
    before_owner = references(uow, owner_id, now)
    conversation_id, provisional = open_chat(uow, "visitor-a", "visiteur@example.org")
    made_here = {book(uow, provisional, now, 1), book(uow, provisional, now, 2)}
    with uow() as unit:
        reminders = unit.session.scalar(select(func.count()).select_from(Reminder))

    customer = identify(uow, conversation_id, "visitor-a", CAMILLE_BIKE, now)

    assert customer.id == owner_id
    assert find_customer(uow(), "web", "visitor-a") == customer
    assert owners_own in before_owner
    assert references(uow, owner_id, now) == before_owner | made_here  # none lost, none twice
    assert not exists(uow, provisional)  # the emptied record is gone
    assert customer.email == "camille.martin@example.fr"  # the owner's contacts are kept
    with uow() as unit:
        assert unit.session.scalar(select(func.count()).select_from(Reminder)) == reminders
    # the customer in this chat manages both: the one made here and the owner's own
    chat_customer = find_customer(uow(), "web", "visitor-a").id
    cancelled = cancel_booking(uow(), sorted(made_here)[0], customer_id=chat_customer)
    assert cancelled.status == "cancelled"
    start = get_booking(uow(), owners_own).start_utc
    new_start = next(
        s.start_utc
        for s in offer_slots(uow(), "paris-nord", "maintenance", now, limit=30).slots
        if s.start_utc != start
    )
    moved = move_booking(uow(), owners_own, new_start, now=now, customer_id=chat_customer)
    assert moved.start_utc == new_start and moved.customer_id == owner_id


def test_everything_the_chat_s_record_owned_follows_and_missing_contacts_are_filled(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    uow = seeded_uow_factory
    lea = find_customer(uow(), "web", "demo-lea")
    assert lea.email is None and lea.phone
    conversation_id, provisional = open_chat(uow, "visitor-b", "lea.new@example.org")
    booking = book(uow, provisional, now)
    complaint = file_complaint(
        uow(),
        text="Le vendeur ne m'a jamais rappelée.",
        customer_id=provisional,
        conversation_id=conversation_id,
        now=now,
    )
    callback = request_callback(
        uow(),
        conversation_id=conversation_id,
        customer_id=provisional,
        phone="06 11 22 33 44",
        note=None,
        now=now,
    )
    other_conversation, _ = open_chat(uow, "visitor-c")
    anonymous_complaint = file_complaint(
        uow(),
        text="Personne ne répond au téléphone.",
        customer_id=None,
        conversation_id=conversation_id,
        now=now,
    )
    elsewhere = file_complaint(
        uow(),
        text="Une autre conversation, pas la mienne.",
        customer_id=None,
        conversation_id=other_conversation,
        now=now,
    )

    customer = identify(uow, conversation_id, "visitor-b", LEA_BIKE, now)

    assert customer.id == lea.id
    assert customer.email == "lea.new@example.org"  # she had none: taken from the chat
    assert customer.phone == lea.phone  # she had one: kept
    assert get_booking(uow(), booking).customer_id == lea.id
    with uow() as unit:
        session = unit.session
        owner_of = {c.reference: c.customer_id for c in session.scalars(select(Complaint))}
        assert owner_of[complaint.reference] == lea.id
        assert owner_of[anonymous_complaint.reference] == lea.id  # made in this chat
        assert owner_of[elsewhere.reference] is None  # another chat's: untouched
        task = session.scalar(
            select(CallbackTask).where(CallbackTask.reference == callback.reference)
        )
        assert task.customer_id == lea.id
    assert not exists(uow, provisional)


def test_a_mycar_account_takes_the_chat_s_bookings(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    uow = seeded_uow_factory
    conversation_id, provisional = open_chat(uow, "visitor-d", "06 11 22 33 44")
    made_here = {book(uow, provisional, now), book(uow, provisional, now, 1)}
    for transport, destination in (("email", "nora@example.fr"), ("sms", "+33611223344")):
        _, code = otp.start_challenge(
            uow(),
            purpose="signup",
            conversation_id=conversation_id,
            transport=transport,
            destination=destination,
            now=now,
        )
        otp.verify_code(uow(), conversation_id=conversation_id, code=code, now=now)

    account = profile.create_mycar_account(
        uow(),
        channel="web",
        external_id="visitor-d",
        name="Nora Petit",
        email="nora@example.fr",
        phone="06 11 22 33 44",
        vin="VF1AAAAA000000001",
        plate="ZZ-999-ZZ",
        brand="Honda",
        model="CB650R",
        year=2023,
        now=now,
    )

    assert account.id != provisional
    assert find_customer(uow(), "web", "visitor-d") == account
    assert references(uow, account.id, now) == made_here
    assert not exists(uow, provisional)


def test_nothing_is_merged_while_the_code_is_wrong_or_not_yet_checked(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    uow = seeded_uow_factory
    owner_id = find_customer(uow(), "web", "demo-camille").id
    conversation_id, provisional = open_chat(uow, "visitor-e", "visiteur@example.org")
    made_here = book(uow, provisional, now)
    vehicle_id = identify_vehicle(uow(), *CAMILLE_BIKE).vehicle_id  # the plate is known...
    view, code = otp.start_identification(
        uow(), conversation_id=conversation_id, vehicle_id=vehicle_id, transport="sms", now=now
    )
    before = snapshot(uow)

    with pytest.raises(NoChallenge):  # ...but no code was checked yet
        otp.complete_identification(
            uow(), challenge_id=view.id, channel="web", external_id="visitor-e", now=now
        )
    with pytest.raises(WrongCode):
        otp.verify_code(
            uow(),
            conversation_id=conversation_id,
            code="000000" if code != "000000" else "111111",
            now=now,
        )
    with pytest.raises(NoChallenge):
        otp.complete_identification(
            uow(), challenge_id=view.id, channel="web", external_id="visitor-e", now=now
        )

    after = snapshot(uow)
    assert {k: v for k, v in after.items() if k != "codes"} == {
        k: v for k, v in before.items() if k != "codes"
    }
    assert find_customer(uow(), "web", "visitor-e").id == provisional
    assert references(uow, provisional, now) == {made_here}
    assert made_here not in references(uow, owner_id, now)


def test_identifying_twice_or_merging_again_changes_nothing(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    uow = seeded_uow_factory
    conversation_id, provisional = open_chat(uow, "visitor-f", "visiteur@example.org")
    book(uow, provisional, now)
    challenge_id = verified_challenge(uow, conversation_id, CAMILLE_BIKE, now)
    first = otp.complete_identification(
        uow(), challenge_id=challenge_id, channel="web", external_id="visitor-f", now=now
    )
    once = snapshot(uow)

    again = otp.complete_identification(
        uow(), challenge_id=challenge_id, channel="web", external_id="visitor-f", now=now
    )
    with uow() as unit:
        merge = merge_chat_into(
            unit.session,
            customer_id=first.id,
            channel="web",
            external_id="visitor-f",
            conversation_id=conversation_id,
        )
        unit.commit()

    assert again == first
    assert merge.customer_id == first.id and merge.merged_from is None and merge.moved == {}
    assert snapshot(uow) == once


def test_a_chat_already_identified_as_someone_else_never_merges_that_customer(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    uow = seeded_uow_factory
    camille = find_customer(uow(), "web", "demo-camille")
    camilles = book(uow, camille.id, now)
    conversation_id = get_or_create_conversation(uow(), "web", "demo-camille").id

    lea = identify(uow, conversation_id, "demo-camille", LEA_BIKE, now)

    assert find_customer(uow(), "web", "demo-camille") == lea  # the chat is Léa's now
    assert exists(uow, camille.id)  # Camille proved who she is: her record stays whole
    assert get_booking(uow(), camilles).customer_id == camille.id
    assert camilles not in references(uow, lea.id, now)
    assert lea.email is None  # nothing of Camille's copied


CHATS = 6


# A merge that found its record already gone (a double tap not serialised) shows as a
# SAWarning ("expected to delete 1 row"): an error here.
@pytest.mark.filterwarnings("error::sqlalchemy.exc.SAWarning")
def test_concurrent_verifications_of_several_chats_of_one_owner_lose_nothing(
    migrated_url: str, seeded_uow_factory: UowFactory, now: datetime
) -> None:
    uow = seeded_uow_factory
    lea = find_customer(uow(), "web", "demo-lea")
    lea_before = references(uow, lea.id, now)
    chats = []
    made_here: set[str] = set()
    for index in range(CHATS):
        external_id = f"racer-{index}"
        conversation_id, provisional = open_chat(uow, external_id, f"racer{index}@example.org")
        made_here |= {book(uow, provisional, now, index), book(uow, provisional, now, index + 1)}
        challenge_id = verified_challenge(uow, conversation_id, LEA_BIKE, now)
        chats.append((external_id, provisional, challenge_id))
    # the first chat also completes twice at once (a double tap): one merge, no loss
    racers = chats + [chats[0]]
    # NullPool: every racer opens its own connection, so the transactions really compete.
    engine = make_engine(migrated_url, poolclass=NullPool)
    new_uow = make_uow_factory(make_session_factory(engine), timezone="Europe/Paris")
    barrier = threading.Barrier(len(racers))
    done: list[int] = []
    failures: list[BaseException] = []

    def racer(external_id: str, challenge_id: int) -> None:
        unit = new_uow()
        barrier.wait()
        try:
            done.append(
                otp.complete_identification(
                    unit,
                    challenge_id=challenge_id,
                    channel="web",
                    external_id=external_id,
                    now=now + timedelta(seconds=1),
                ).id
            )
        except BaseException as exc:  # anything fails the test below, with its cause
            failures.append(exc)

    threads = [
        threading.Thread(target=racer, args=(external_id, challenge_id))
        for external_id, _, challenge_id in racers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    try:
        assert failures == []
        assert done == [lea.id] * len(racers)
        assert references(uow, lea.id, now) == lea_before | made_here
        assert all(not exists(uow, provisional) for _, provisional, _ in chats)
        assert all(
            find_customer(uow(), "web", external_id).id == lea.id for external_id, *_ in chats
        )
        with uow() as unit:
            email = unit.session.scalar(select(Customer.email).where(Customer.id == lea.id))
            total = unit.session.scalar(
                select(func.count()).select_from(Booking).where(Booking.reference.in_(made_here))
            )
        assert email in {f"racer{index}@example.org" for index in range(CHATS)}  # one of them
        assert total == len(made_here) == 2 * CHATS
    finally:
        engine.dispose()
