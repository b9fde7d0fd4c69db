"""Concurrency, with real threads each on its own connection: the database decides."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from core.db import make_engine, make_session_factory
from core.errors import AdvisorFull, AlreadyOpen, AlreadyTaken
from core.handoff import HandoffView, accept, get_request, request_handoff
from core.models import HandoffRequest
from core.uow import UnitOfWork
from core.uow import uow_factory as make_uow_factory

ROUNDS = 5


@pytest.fixture
def racing_uow(migrated_url: str) -> Iterator[Callable[[], UnitOfWork]]:
    # NullPool: every racer opens its own connection, so the transactions really compete.
    engine = make_engine(migrated_url, poolclass=NullPool)
    yield make_uow_factory(make_session_factory(engine), timezone="Europe/Paris")
    engine.dispose()


def race(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Run the calls at once (released together by a barrier); their results and errors."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results.append(call())
        except BaseException as exc:  # collected, asserted by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results, errors


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
