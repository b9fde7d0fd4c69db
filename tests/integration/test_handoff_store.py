"""Handoff requests in the database: request, queue, accept, refuse, cancel, close, expire."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.errors import (
    AdvisorFull,
    AlreadyOpen,
    AlreadyTaken,
    Forbidden,
    InvalidTransition,
    NoAdvisorAvailable,
    NotFound,
)
from core.handoff import (
    accept,
    advisor_conversations,
    cancel,
    close,
    closed_requests,
    estimated_wait,
    expire_due,
    get_request,
    open_request_for,
    pending_queue,
    queue_position,
    refuse,
    request_handoff,
)


@pytest.fixture
def advisor(add_staff, now) -> int:
    return add_staff("Nina Roux", available=True, seen=now)


def test_a_request_is_pending_with_the_customer_and_an_expiry(
    uow_factory, advisor, add_conversation, now
) -> None:
    conversation = add_conversation("web", "visitor-42", customer="Camille Martin", language="fr")

    request = request_handoff(uow_factory(), conversation, now, wait=timedelta(minutes=5))

    assert (request.status, request.conversation_id) == ("pending", conversation)
    assert (request.channel, request.external_id) == ("web", "visitor-42")
    assert (request.customer_name, request.language) == ("Camille Martin", "fr")
    assert (request.advisor_id, request.advisor_name, request.accepted_at) == (None, None, None)
    assert (request.created_at, request.expires_at) == (now, now + timedelta(minutes=5))
    assert get_request(uow_factory(), request.id) == request
    assert open_request_for(uow_factory(), conversation) == request


def test_an_anonymous_visitor_has_no_customer_name(
    uow_factory, advisor, add_conversation, now
) -> None:
    request = request_handoff(uow_factory(), add_conversation(), now)
    assert request.customer_name is None


def test_no_request_is_created_when_no_advisor_is_available(
    uow_factory, add_staff, add_conversation, now
) -> None:
    add_staff(available=True, seen=now - timedelta(minutes=10))  # console gone: away
    conversation = add_conversation()

    with pytest.raises(NoAdvisorAvailable) as caught:
        request_handoff(uow_factory(), conversation, now)

    assert caught.value.code == "no_advisor_available"
    assert open_request_for(uow_factory(), conversation) is None
    assert pending_queue(uow_factory()) == []


def test_a_second_request_while_one_is_open_is_already_open(
    uow_factory, advisor, add_conversation, now
) -> None:
    conversation = add_conversation()
    first = request_handoff(uow_factory(), conversation, now)

    with pytest.raises(AlreadyOpen) as caught:
        request_handoff(uow_factory(), conversation, now)
    assert (caught.value.code, caught.value.request_id) == ("already_open", first.id)

    accept(uow_factory(), first.id, advisor, now)
    with pytest.raises(AlreadyOpen):
        request_handoff(uow_factory(), conversation, now)
    close(uow_factory(), first.id, advisor, now)
    assert request_handoff(uow_factory(), conversation, now).id != first.id


def test_the_database_itself_refuses_two_open_requests_for_a_conversation(
    uow_factory, advisor, add_conversation, now
) -> None:
    from sqlalchemy.exc import IntegrityError

    from core.models import HandoffRequest

    conversation = add_conversation()
    request_handoff(uow_factory(), conversation, now)
    with uow_factory() as uow, pytest.raises(IntegrityError):
        uow.session.add(
            HandoffRequest(
                conversation_id=conversation, status="accepted", created_at=now, expires_at=now
            )
        )
        uow.session.flush()


def test_a_request_for_an_unknown_conversation_is_not_found(uow_factory, advisor, now) -> None:
    with pytest.raises(NotFound):
        request_handoff(uow_factory(), 999, now)


def test_the_queue_position_counts_pending_requests_oldest_first(
    uow_factory, advisor, add_conversation, now
) -> None:
    requests = [
        request_handoff(uow_factory(), add_conversation(), now + timedelta(seconds=i))
        for i in range(3)
    ]
    assert [queue_position(uow_factory(), r.id) for r in requests] == [1, 2, 3]
    assert [r.id for r in pending_queue(uow_factory())] == [r.id for r in requests]

    cancel(uow_factory(), requests[0].id, now)

    assert [queue_position(uow_factory(), r.id) for r in requests] == [0, 1, 2]


def test_the_estimated_wait_is_three_minutes_per_place_without_history(
    uow_factory, advisor, add_conversation, now
) -> None:
    first = request_handoff(uow_factory(), add_conversation(), now)
    second = request_handoff(uow_factory(), add_conversation(), now + timedelta(seconds=1))

    assert estimated_wait(uow_factory(), first.id, now) == timedelta(minutes=3)
    assert estimated_wait(uow_factory(), second.id, now) == timedelta(minutes=6)


def test_the_estimated_wait_follows_the_length_of_recent_conversations(
    uow_factory, add_staff, add_conversation, now
) -> None:
    advisor = add_staff(available=True, seen=now, max_conversations=5)
    for minutes in (4, 8):
        done = request_handoff(uow_factory(), add_conversation(), now)
        accept(uow_factory(), done.id, advisor, now)
        close(uow_factory(), done.id, advisor, now + timedelta(minutes=minutes))
    waiting = request_handoff(uow_factory(), add_conversation(), now)

    assert estimated_wait(uow_factory(), waiting.id, now) == timedelta(minutes=6)
    accept(uow_factory(), waiting.id, advisor, now)
    assert estimated_wait(uow_factory(), waiting.id, now) == timedelta(0)


def test_accepting_gives_the_request_to_the_advisor(
    uow_factory, advisor, add_conversation, now
) -> None:
    request = request_handoff(uow_factory(), add_conversation(), now)

    accepted = accept(uow_factory(), request.id, advisor, now + timedelta(minutes=1))

    assert (accepted.status, accepted.advisor_id, accepted.advisor_name) == (
        "accepted",
        advisor,
        "Nina Roux",
    )
    assert accepted.accepted_at == now + timedelta(minutes=1)
    assert advisor_conversations(uow_factory(), advisor) == [accepted]
    assert pending_queue(uow_factory()) == []


def test_accepting_a_request_already_accepted_is_already_taken(
    uow_factory, advisor, add_staff, add_conversation, now
) -> None:
    request = request_handoff(uow_factory(), add_conversation(), now)
    accept(uow_factory(), request.id, advisor, now)

    with pytest.raises(AlreadyTaken) as caught:
        accept(uow_factory(), request.id, add_staff(available=True, seen=now), now)

    assert caught.value.code == "already_taken"
    assert get_request(uow_factory(), request.id).advisor_id == advisor


def test_accepting_a_cancelled_request_is_already_taken_and_changes_nothing(
    uow_factory, advisor, add_conversation, now
) -> None:
    request = request_handoff(uow_factory(), add_conversation(), now)
    cancel(uow_factory(), request.id, now)

    with pytest.raises(AlreadyTaken, match="no longer pending \\(cancelled\\)"):
        accept(uow_factory(), request.id, advisor, now)
    assert get_request(uow_factory(), request.id).status == "cancelled"


def test_an_advisor_at_their_maximum_cannot_accept_one_more(
    uow_factory, add_staff, add_conversation, now
) -> None:
    advisor = add_staff(available=True, seen=now, max_conversations=2)
    add_staff(available=True, seen=now)  # someone else still has room
    requests = [request_handoff(uow_factory(), add_conversation(), now) for _ in range(3)]
    accept(uow_factory(), requests[0].id, advisor, now)
    accept(uow_factory(), requests[1].id, advisor, now)

    with pytest.raises(AdvisorFull) as caught:
        accept(uow_factory(), requests[2].id, advisor, now)

    assert caught.value.code == "advisor_full"
    assert get_request(uow_factory(), requests[2].id).status == "pending"
    close(uow_factory(), requests[0].id, advisor, now)
    assert accept(uow_factory(), requests[2].id, advisor, now).status == "accepted"


def test_refusing_ends_the_request_with_the_reason(
    uow_factory, advisor, add_conversation, now
) -> None:
    conversation = add_conversation()
    request = request_handoff(uow_factory(), conversation, now)

    refused = refuse(uow_factory(), request.id, advisor, now, reason="  out of   office ")

    assert (refused.status, refused.reason, refused.ended_at) == ("refused", "out of office", now)
    assert refused.advisor_id == advisor
    assert open_request_for(uow_factory(), conversation) is None
    with pytest.raises(InvalidTransition, match="from refused to refused"):
        refuse(uow_factory(), request.id, advisor, now)


def test_refusing_an_accepted_request_is_an_invalid_transition(
    uow_factory, advisor, add_conversation, now
) -> None:
    request = request_handoff(uow_factory(), add_conversation(), now)
    accept(uow_factory(), request.id, advisor, now)

    with pytest.raises(InvalidTransition, match="from accepted to refused"):
        refuse(uow_factory(), request.id, advisor, now)


def test_the_customer_cancels_a_pending_request_but_not_an_accepted_one(
    uow_factory, advisor, add_conversation, now
) -> None:
    first = request_handoff(uow_factory(), add_conversation(), now)
    cancelled = cancel(uow_factory(), first.id, now)
    assert (cancelled.status, cancelled.ended_at) == ("cancelled", now)

    second = request_handoff(uow_factory(), add_conversation(), now)
    accept(uow_factory(), second.id, advisor, now)
    with pytest.raises(InvalidTransition, match="from accepted to cancelled"):
        cancel(uow_factory(), second.id, now)


def test_closing_gives_the_conversation_back_and_only_its_advisor_or_an_admin_closes(
    uow_factory, advisor, add_staff, add_conversation, now
) -> None:
    other = add_staff("Other Advisor")
    admin = add_staff("Ada Admin", role="admin")
    first = request_handoff(uow_factory(), add_conversation(), now)
    second = request_handoff(uow_factory(), add_conversation(), now)
    accept(uow_factory(), first.id, advisor, now)
    accept(uow_factory(), second.id, advisor, now)

    with pytest.raises(Forbidden):
        close(uow_factory(), first.id, other, now)
    closed = close(uow_factory(), first.id, advisor, now + timedelta(minutes=7))
    assert (closed.status, closed.ended_at) == ("closed", now + timedelta(minutes=7))
    assert close(uow_factory(), second.id, admin, now).status == "closed"
    assert advisor_conversations(uow_factory(), advisor) == []
    with pytest.raises(InvalidTransition, match="from closed to closed"):
        close(uow_factory(), first.id, advisor, now)


def test_closing_a_pending_request_is_an_invalid_transition(
    uow_factory, advisor, add_conversation, now
) -> None:
    request = request_handoff(uow_factory(), add_conversation(), now)
    with pytest.raises(InvalidTransition, match="from pending to closed"):
        close(uow_factory(), request.id, advisor, now)


def test_expire_due_expires_only_pending_requests_past_their_time(
    uow_factory, advisor, add_conversation, now
) -> None:
    due = request_handoff(uow_factory(), add_conversation(), now, wait=timedelta(minutes=5))
    later = request_handoff(uow_factory(), add_conversation(), now, wait=timedelta(minutes=20))
    taken = request_handoff(uow_factory(), add_conversation(), now, wait=timedelta(minutes=5))
    accept(uow_factory(), taken.id, advisor, now)

    expired = expire_due(uow_factory(), now + timedelta(minutes=5))

    assert [(r.id, r.status, r.ended_at) for r in expired] == [
        (due.id, "expired", now + timedelta(minutes=5))
    ]
    assert expire_due(uow_factory(), now + timedelta(minutes=5)) == []
    assert get_request(uow_factory(), later.id).status == "pending"
    assert get_request(uow_factory(), taken.id).status == "accepted"
    with pytest.raises(AlreadyTaken):
        accept(uow_factory(), due.id, advisor, now)


def test_closed_requests_are_searchable_by_customer_name_or_external_id(
    uow_factory, add_staff, add_conversation, now
) -> None:
    advisor = add_staff(available=True, seen=now, max_conversations=5)
    conversations = {
        "camille": add_conversation("web", "visitor-aa", customer="Camille Martin"),
        "james": add_conversation("whatsapp", "+447700900123", customer="James Walker"),
        "anonymous": add_conversation("web", "visitor-100%"),
    }
    for minute, conversation in enumerate(conversations.values()):
        request = request_handoff(uow_factory(), conversation, now)
        accept(uow_factory(), request.id, advisor, now)
        close(uow_factory(), request.id, advisor, now + timedelta(minutes=minute + 1))
    request_handoff(uow_factory(), add_conversation(customer="Camille Pending"), now)

    def names(search=None, limit=50):
        return [r.external_id for r in closed_requests(uow_factory(), search, limit)]

    assert names() == ["visitor-100%", "+447700900123", "visitor-aa"]  # latest first
    assert names("camille") == ["visitor-aa"]
    assert names("  WALK ") == ["+447700900123"]
    assert names("100%") == ["visitor-100%"]
    assert names("%") == ["visitor-100%"]  # a wildcard is a plain character
    assert names("nobody") == []
    assert names(limit=1) == ["visitor-100%"]


def test_an_unknown_request_is_not_found(uow_factory, advisor, now) -> None:
    for call in (
        lambda: get_request(uow_factory(), 404),
        lambda: accept(uow_factory(), 404, advisor, now),
        lambda: cancel(uow_factory(), 404, now),
        lambda: queue_position(uow_factory(), 404),
    ):
        with pytest.raises(NotFound):
            call()
