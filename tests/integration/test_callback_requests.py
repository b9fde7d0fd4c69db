"""core/workshop.py `request_callback` against SQLite and PostgreSQL: a customer who finds no
advisor asks to be called back; one open request per conversation, even at once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from core import manage
from core.db import make_engine, make_session_factory
from core.errors import InvalidValue
from core.models import CallbackTask, Customer
from core.uow import UnitOfWork
from core.uow import uow_factory as make_uow_factory
from core.workshop import (
    CALLBACK_NOTE_MAX_CHARS,
    close_callback,
    list_callbacks,
    request_callback,
)
from tests.race import race


def count_tasks(uow_factory: Callable[[], UnitOfWork]) -> int:
    with uow_factory() as uow:
        return uow.session.scalar(select(func.count()).select_from(CallbackTask))


def test_a_visitor_gives_a_number_and_gets_an_open_callback_task(
    uow_factory, add_conversation, now
) -> None:
    conversation = add_conversation("web", "visitor-1")

    view = request_callback(
        uow_factory(),
        conversation_id=conversation,
        customer_id=None,
        phone="06 12 34 56 42",
        note="  Question sur   une reprise ",
        now=now,
    )

    assert view.reference.startswith("CB-") and len(view.reference) == 9
    assert view.kind == "callback" and view.status == "open"
    assert view.customer_phone == "+33612345642"
    assert view.customer_name is None and view.quote_number is None
    assert view.note == "Question sur une reprise"
    assert view.created_at == now
    assert [t.reference for t in list_callbacks(uow_factory())] == [view.reference]


def test_a_known_customer_is_linked_and_an_empty_note_is_none(
    uow_factory, add_conversation, now
) -> None:
    conversation = add_conversation("telegram", "42", customer="Camille Martin")
    with uow_factory() as uow:
        camille = uow.session.scalar(select(Customer).where(Customer.name == "Camille Martin"))
        camille.phone = "+33611111111"
        camille_id = camille.id
        uow.commit()

    view = request_callback(
        uow_factory(),
        conversation_id=conversation,
        customer_id=camille_id,
        phone="+33611111111",
        note="   ",
        now=now,
    )

    assert view.customer_name == "Camille Martin"
    assert view.customer_phone == "+33611111111"
    assert view.note is None


def test_asking_again_returns_the_open_task_with_the_latest_number(
    uow_factory, add_conversation, now
) -> None:
    conversation = add_conversation()
    kwargs = {"conversation_id": conversation, "customer_id": None, "now": now}
    first = request_callback(uow_factory(), phone="0612345642", note="Reprise", **kwargs)

    again = request_callback(uow_factory(), phone="07 00 00 00 07", note=None, **kwargs)

    assert again.reference == first.reference
    assert again.customer_phone == "+33700000007"
    assert again.note == "Reprise"  # no new note: the first one is kept
    assert count_tasks(uow_factory) == 1


def test_another_conversation_gets_its_own_task(uow_factory, add_conversation, now) -> None:
    one, two = add_conversation(), add_conversation()

    first = request_callback(
        uow_factory(), conversation_id=one, customer_id=None, phone="0612345642", note=None, now=now
    )
    second = request_callback(
        uow_factory(), conversation_id=two, customer_id=None, phone="0612345642", note=None, now=now
    )

    assert first.reference != second.reference
    assert count_tasks(uow_factory) == 2


def test_once_closed_a_new_request_opens_a_new_task(
    uow_factory, add_conversation, add_staff, now
) -> None:
    conversation = add_conversation()
    staff_id = add_staff("Nina")
    kwargs = {"conversation_id": conversation, "customer_id": None, "note": None, "now": now}
    first = request_callback(uow_factory(), phone="0612345642", **kwargs)
    closed = close_callback(
        uow_factory(), first.reference, staff_id=staff_id, outcome="Rappelé", now=now
    )

    second = request_callback(uow_factory(), phone="0612345642", **kwargs)

    assert closed.status == "done"
    assert second.reference != first.reference and second.status == "open"


def test_a_repair_quote_task_of_the_conversation_does_not_count(
    uow_factory, add_conversation, now
) -> None:
    conversation = add_conversation()
    with uow_factory() as uow:
        uow.session.add(
            CallbackTask(
                reference="CB-QUOTE1",
                kind="repair_quote",
                conversation_id=conversation,
                status="open",
                created_at=now,
            )
        )
        uow.commit()

    view = request_callback(
        uow_factory(),
        conversation_id=conversation,
        customer_id=None,
        phone="0612345642",
        note=None,
        now=now,
    )

    assert view.reference != "CB-QUOTE1" and view.kind == "callback"


@pytest.mark.parametrize(
    ("phone", "code"),
    [
        ("", "invalid_phone"),
        ("demain matin", "invalid_phone"),
        ("06 12 34", "invalid_phone"),
        ("camille@example.com", "email_not_phone"),
    ],
)
def test_a_missing_or_wrong_number_is_refused_and_nothing_is_stored(
    uow_factory, add_conversation, now, phone: str, code: str
) -> None:
    conversation = add_conversation()

    with pytest.raises(InvalidValue) as caught:
        request_callback(
            uow_factory(),
            conversation_id=conversation,
            customer_id=None,
            phone=phone,
            note=None,
            now=now,
        )

    assert caught.value.code == code
    assert count_tasks(uow_factory) == 0


def test_a_note_too_long_is_refused(uow_factory, add_conversation, now) -> None:
    conversation = add_conversation()

    with pytest.raises(InvalidValue) as caught:
        request_callback(
            uow_factory(),
            conversation_id=conversation,
            customer_id=None,
            phone="0612345642",
            note="x" * (CALLBACK_NOTE_MAX_CHARS + 1),
            now=now,
        )

    assert caught.value.code == "callback_note_too_long"


def test_the_database_refuses_a_second_open_callback_for_a_conversation(
    uow_factory, add_conversation, now
) -> None:
    conversation = add_conversation()
    with uow_factory() as uow:
        for reference in ("CB-AAAAAA", "CB-BBBBBB"):
            uow.session.add(
                CallbackTask(
                    reference=reference,
                    kind="callback",
                    conversation_id=conversation,
                    status="open",
                    created_at=now,
                )
            )
        with pytest.raises(IntegrityError):
            uow.session.flush()


def test_concurrent_requests_of_one_conversation_make_one_task(
    racing_uow, uow_factory, add_conversation, now
) -> None:
    conversation = add_conversation()

    def ask() -> str:
        return request_callback(
            racing_uow(),
            conversation_id=conversation,
            customer_id=None,
            phone="06 12 34 56 42",
            note="Reprise",
            now=now,
        ).reference

    references, errors = race([ask] * 4)

    assert not errors, errors
    assert len(references) == 4 and len(set(references)) == 1
    assert count_tasks(uow_factory) == 1


def test_downgrading_0007_keeps_the_tasks_and_upgrading_again_works(db_url: str) -> None:
    manage.migrate(db_url)
    manage.downgrade(db_url, "0006")
    manage.migrate(db_url)
    engine = make_engine(db_url, poolclass=NullPool)
    try:
        uows = make_uow_factory(make_session_factory(engine), timezone="Europe/Paris")
        with uows() as uow:
            assert uow.session.scalar(select(func.count()).select_from(CallbackTask)) == 0
    finally:
        engine.dispose()
