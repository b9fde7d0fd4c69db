"""Chat rooms in core (SQLite and PostgreSQL): capacity under a race of joins, deleted rooms,
rate limit, reports, bans and capacity changes."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.pool import NullPool

from core import rooms
from core.db import make_engine, make_session_factory
from core.errors import (
    BannedFromRoom,
    CapacityBelowMembers,
    Conflict,
    InvalidValue,
    NotRoomMember,
    RateLimited,
    RoomClosed,
    RoomFull,
)
from core.models import Room, RoomMember
from core.uow import uow_factory as make_uow_factory

RACERS = 50
CAPACITY = 5


def new_room(uow_factory, now, name="Balades du dimanche", capacity=CAPACITY) -> int:
    return rooms.create_room(uow_factory(), name=name, capacity=capacity, now=now).id


def test_fifty_concurrent_joins_of_a_room_of_five_let_exactly_five_in(
    migrated_url, uow_factory, add_conversation, now
) -> None:
    room_id = new_room(uow_factory, now)
    customers = [add_conversation("web") for _ in range(RACERS)]
    # NullPool: every racer has its own connection, so the 50 transactions really compete.
    engine = make_engine(migrated_url, poolclass=NullPool)
    new_uow = make_uow_factory(make_session_factory(engine))
    barrier = threading.Barrier(RACERS)
    joined: list[int] = []
    full: list[RoomFull] = []
    failures: list[BaseException] = []

    def racer(conversation_id: int) -> None:
        uow = new_uow()
        barrier.wait()
        try:
            rooms.join_room(uow, room_id, conversation_id, f"Client {conversation_id}", now)
            joined.append(conversation_id)
        except RoomFull as exc:
            full.append(exc)
        except BaseException as exc:  # anything else fails the test below, with its cause
            failures.append(exc)

    threads = [threading.Thread(target=racer, args=(c,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    engine.dispose()

    assert failures == []
    assert len(joined) == CAPACITY
    assert len(full) == RACERS - CAPACITY
    with uow_factory() as uow:
        members = uow.session.scalar(
            select(func.count(RoomMember.id)).where(RoomMember.room_id == room_id)
        )
        counter = uow.session.scalar(select(Room.member_count).where(Room.id == room_id))
    assert members == counter == CAPACITY


def test_a_full_room_cannot_be_joined_until_someone_leaves(
    uow_factory, add_conversation, now
) -> None:
    room_id = new_room(uow_factory, now, capacity=1)
    first, second = add_conversation(), add_conversation()
    rooms.join_room(uow_factory(), room_id, first, "Alice", now)

    with pytest.raises(RoomFull):
        rooms.join_room(uow_factory(), room_id, second, "Bob", now)

    assert rooms.leave_room(uow_factory(), room_id, first).members == 0
    assert rooms.join_room(uow_factory(), room_id, second, "Bob", now).joined_now


def test_joining_twice_keeps_one_place_and_returns_the_history(
    uow_factory, add_conversation, now
) -> None:
    room_id = new_room(uow_factory, now, capacity=2)
    alice = add_conversation()
    rooms.join_room(uow_factory(), room_id, alice, "Alice", now)
    rooms.post_message(uow_factory(), room_id, alice, "Salut !", now)

    again = rooms.join_room(uow_factory(), room_id, alice, "Alice B.", now)

    assert not again.joined_now
    assert again.room.members == 1
    assert [m.text for m in again.history] == ["Salut !"]
    assert again.member.display_name == "Alice B."


def test_a_deleted_room_cannot_be_joined_nor_written_to(uow_factory, add_conversation, now) -> None:
    room_id = new_room(uow_factory, now)
    alice, bob = add_conversation(), add_conversation()
    rooms.join_room(uow_factory(), room_id, alice, "Alice", now)

    rooms.delete_room(uow_factory(), room_id, now)

    with pytest.raises(RoomClosed):
        rooms.join_room(uow_factory(), room_id, bob, "Bob", now)
    with pytest.raises(RoomClosed):  # deleted between Alice's join and her post
        rooms.post_message(uow_factory(), room_id, alice, "encore là ?", now)
    assert [r.room.id for r in rooms.rooms_for_customer(uow_factory(), alice)] == []


def test_a_message_on_its_way_while_the_room_is_deleted_is_refused(
    migrated_url, uow_factory, add_conversation, now
) -> None:
    room_id = new_room(uow_factory, now)
    alice = add_conversation()
    rooms.join_room(uow_factory(), room_id, alice, "Alice", now)
    engine = make_engine(migrated_url, poolclass=NullPool)
    new_uow = make_uow_factory(make_session_factory(engine))
    outcome: list[object] = []

    def post() -> None:
        try:
            outcome.append(rooms.post_message(new_uow(), room_id, alice, "trop tard", now))
        except BaseException as exc:
            outcome.append(exc)

    with new_uow() as deleting:  # the admin's deletion holds the room while the post arrives
        deleting.session.execute(update(Room).where(Room.id == room_id).values(status="deleted"))
        poster = threading.Thread(target=post)
        poster.start()
        time.sleep(0.5)
        assert poster.is_alive(), "the post did not wait for the deletion in progress"
        deleting.commit()
    poster.join(timeout=30)
    engine.dispose()

    assert len(outcome) == 1 and isinstance(outcome[0], RoomClosed)
    assert rooms.room_history(uow_factory(), room_id) == []


def test_deleting_a_room_names_its_members_once(uow_factory, add_conversation, now) -> None:
    room_id = new_room(uow_factory, now)
    alice, bob, carol = add_conversation(), add_conversation(), add_conversation()
    for conversation_id, name in ((alice, "Alice"), (bob, "Bob"), (carol, "Carol")):
        rooms.join_room(uow_factory(), room_id, conversation_id, name, now)
    rooms.leave_room(uow_factory(), room_id, carol)

    closed = rooms.delete_room(uow_factory(), room_id, now)
    again = rooms.delete_room(uow_factory(), room_id, now)

    assert closed.room.status == "deleted"
    assert closed.members == [alice, bob]
    assert again.members == []  # already closed: nobody to tell twice
    assert again.room == closed.room


def test_history_stays_visible_to_admins_after_deletion(uow_factory, add_conversation, now) -> None:
    room_id = new_room(uow_factory, now)
    alice = add_conversation()
    rooms.join_room(uow_factory(), room_id, alice, "Alice", now)
    rooms.post_message(uow_factory(), room_id, alice, "<b>bonjour</b>", now)
    rooms.delete_room(uow_factory(), room_id, now)

    history = rooms.room_history(uow_factory(), room_id)

    assert [(m.author, m.text) for m in history] == [("Alice", "<b>bonjour</b>")]
    assert rooms.get_room(uow_factory(), room_id).status == "deleted"


def test_a_customer_posting_too_fast_is_slowed_down(uow_factory, add_conversation, now) -> None:
    room_id = new_room(uow_factory, now)
    alice = add_conversation()
    rooms.join_room(uow_factory(), room_id, alice, "Alice", now)
    for i in range(rooms.RATE_LIMIT_MESSAGES):
        rooms.post_message(uow_factory(), room_id, alice, f"message {i}", now)

    with pytest.raises(RateLimited) as limited:
        rooms.post_message(uow_factory(), room_id, alice, "un de trop", now + timedelta(seconds=1))
    later = now + rooms.RATE_LIMIT_WINDOW + timedelta(seconds=1)
    posted = rooms.post_message(uow_factory(), room_id, alice, "après la pause", later)

    assert 1 <= limited.value.retry_after_seconds <= rooms.RATE_LIMIT_WINDOW.seconds
    assert posted.text == "après la pause"


def test_only_members_post_and_messages_have_a_length_limit(
    uow_factory, add_conversation, now
) -> None:
    room_id = new_room(uow_factory, now)
    alice, stranger = add_conversation(), add_conversation()
    rooms.join_room(uow_factory(), room_id, alice, "Alice", now)

    with pytest.raises(NotRoomMember):
        rooms.post_message(uow_factory(), room_id, stranger, "coucou", now)
    with pytest.raises(InvalidValue) as too_long:
        rooms.post_message(uow_factory(), room_id, alice, "x" * (rooms.MESSAGE_MAX + 1), now)
    with pytest.raises(InvalidValue) as empty:
        rooms.post_message(uow_factory(), room_id, alice, " \n ", now)
    assert (too_long.value.code, empty.value.code) == ("message_too_long", "empty_message")


def test_reports_are_counted_once_per_customer_and_not_for_ones_own_message(
    uow_factory, add_conversation, now
) -> None:
    room_id = new_room(uow_factory, now)
    alice, bob, carol = add_conversation(), add_conversation(), add_conversation()
    for who, name in ((alice, "Alice"), (bob, "Bob"), (carol, "Carol")):
        rooms.join_room(uow_factory(), room_id, who, name, now)
    message = rooms.post_message(uow_factory(), room_id, alice, "spam", now)

    assert rooms.report_message(uow_factory(), message.id, bob, now) == 1
    assert rooms.report_message(uow_factory(), message.id, bob, now) == 1
    assert rooms.report_message(uow_factory(), message.id, carol, now) == 2
    with pytest.raises(InvalidValue):
        rooms.report_message(uow_factory(), message.id, alice, now)
    assert rooms.room_history(uow_factory(), room_id)[0].reports == 2


def test_a_removed_message_disappears_for_customers_but_not_for_admins(
    uow_factory, add_conversation, add_staff, now
) -> None:
    admin = add_staff("Ada", role="admin")
    room_id = new_room(uow_factory, now)
    alice = add_conversation()
    rooms.join_room(uow_factory(), room_id, alice, "Alice", now)
    message = rooms.post_message(uow_factory(), room_id, alice, "pub", now)

    rooms.remove_message(uow_factory(), message.id, admin, now)

    assert rooms.recent_messages(uow_factory(), room_id, alice) == []
    assert rooms.room_history(uow_factory(), room_id)[0].removed_at == now


def test_a_banned_customer_leaves_the_room_and_cannot_join_again(
    uow_factory, add_conversation, add_staff, now
) -> None:
    admin = add_staff("Ada", role="admin")
    room_id = new_room(uow_factory, now)
    alice = add_conversation()
    rooms.join_room(uow_factory(), room_id, alice, "Alice", now)
    message = rooms.post_message(uow_factory(), room_id, alice, "insulte", now)

    banned = rooms.ban_from_room(
        uow_factory(), room_id, message_id=message.id, staff_id=admin, now=now
    )

    assert banned.removed is not None and banned.room.members == 0
    with pytest.raises(BannedFromRoom):
        rooms.join_room(uow_factory(), room_id, alice, "Alice", now)


def test_lowering_the_capacity_below_the_members_needs_an_explicit_eviction(
    uow_factory, add_conversation, now
) -> None:
    room_id = new_room(uow_factory, now, capacity=3)
    people = [add_conversation() for _ in range(3)]
    for i, who in enumerate(people):
        rooms.join_room(uow_factory(), room_id, who, f"Client {i}", now + timedelta(minutes=i))

    with pytest.raises(CapacityBelowMembers) as refused:
        rooms.set_capacity(uow_factory(), room_id, 1)
    change = rooms.set_capacity(uow_factory(), room_id, 1, evict=True)

    assert refused.value.members == 3
    assert [m.conversation_id for m in change.evicted] == [people[2], people[1]]
    assert (change.room.capacity, change.room.members) == (1, 1)
    assert [m.conversation_id for m in rooms.room_members(uow_factory(), room_id)] == [people[0]]


def test_two_open_rooms_cannot_share_a_name_but_a_deleted_ones_can_be_reused(
    uow_factory, now
) -> None:
    first = new_room(uow_factory, now, name="Trail")
    with pytest.raises(Conflict):
        new_room(uow_factory, now, name="Trail")
    other = new_room(uow_factory, now, name="Piste")
    with pytest.raises(Conflict):
        rooms.update_room(uow_factory(), other, name="Trail")

    rooms.delete_room(uow_factory(), first, now)

    assert rooms.create_room(uow_factory(), name="Trail", capacity=2, now=now).name == "Trail"
