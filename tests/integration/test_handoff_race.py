"""Concurrency, with real threads each on its own connection: the database decides."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.errors import AdvisorFull, AlreadyOpen, AlreadyTaken
from core.handoff import HandoffView, accept, get_request, request_handoff
from core.models import HandoffRequest
from tests.race import race

ROUNDS = 5


def test_two_advisors_accepting_the_same_request_at_once_exactly_one_wins(
    racing_uow, add_staff, add_conversation, now
) -> None:
    advisors = [
        add_staff(f"Advisor {i}", available=True, seen=now, max_conversations=ROUNDS)
        for i in range(2)
    ]
    for round_ in range(ROUNDS):
        request = request_handoff(racing_uow(), add_conversation(), now)

        won, lost = race(
            [
                lambda a=advisor, r=request.id: accept(racing_uow(), r, a, now)
                for advisor in advisors
            ]
        )

        assert len(won) == 1 and len(lost) == 1, (round_, won, lost)
        assert isinstance(lost[0], AlreadyTaken), repr(lost[0])
        assert lost[0].code == "already_taken"
        winner: HandoffView = won[0]
        assert get_request(racing_uow(), request.id).advisor_id == winner.advisor_id
        assert winner.advisor_id in advisors


def test_one_advisor_accepting_several_requests_at_once_stays_within_the_maximum(
    racing_uow, add_staff, add_conversation, now
) -> None:
    advisor = add_staff(available=True, seen=now, max_conversations=2)
    add_staff(available=True, seen=now, max_conversations=10)  # keeps requests possible
    requests = [request_handoff(racing_uow(), add_conversation(), now) for _ in range(5)]

    won, lost = race([lambda r=r: accept(racing_uow(), r.id, advisor, now) for r in requests])

    assert len(won) == 2
    assert len(lost) == 3 and all(isinstance(error, AdvisorFull) for error in lost)


def test_concurrent_requests_for_one_conversation_leave_exactly_one_open(
    racing_uow, add_staff, add_conversation, now
) -> None:
    add_staff(available=True, seen=now)
    for _ in range(3):
        conversation = add_conversation()

        made, refused = race(
            [
                lambda c=conversation: request_handoff(racing_uow(), c, now, timedelta(minutes=5))
                for _ in range(8)
            ]
        )

        assert len(made) == 1, refused
        assert len(refused) == 7 and all(isinstance(error, AlreadyOpen) for error in refused)
        assert {error.request_id for error in refused} == {made[0].id}
        with racing_uow() as uow:
            count = uow.session.scalar(
                select(func.count())
                .select_from(HandoffRequest)
                .where(HandoffRequest.conversation_id == conversation)
            )
        assert count == 1
