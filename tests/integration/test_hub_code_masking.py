"""A one-time code typed while one is expected is stored as "••••••", never as typed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy import select

from core.conversations import get_or_create_conversation
from core.models import Message
from core.otp import start_challenge
from core.uow import UnitOfWork
from hub.store import MASKED_CODE, store_inbound


def stored_texts(uow_factory: Callable[[], UnitOfWork], conversation_id: int) -> list[str]:
    with uow_factory() as uow:
        query = select(Message.text).where(Message.conversation_id == conversation_id)
        return list(uow.session.scalars(query.order_by(Message.id)))


def open_challenge(uow_factory: Callable[[], UnitOfWork], external_id: str) -> int:
    conversation = get_or_create_conversation(uow_factory(), "rest", external_id)
    start_challenge(
        uow_factory(),
        purpose="verify_contact",
        conversation_id=conversation.id,
        transport="email",
        destination="jean@example.fr",
        now=datetime.now(timezone.utc),
    )
    return conversation.id


def test_a_code_typed_while_one_is_awaited_is_stored_masked(
    uow_factory: Callable[[], UnitOfWork],
) -> None:
    conversation_id = open_challenge(uow_factory, "visitor-code")
    inbound = store_inbound(uow_factory, "rest", "visitor-code", "123 456", None)
    assert stored_texts(uow_factory, conversation_id) == [MASKED_CODE]
    assert inbound.shown == MASKED_CODE


def test_other_messages_are_stored_as_typed_while_a_code_is_awaited(
    uow_factory: Callable[[], UnitOfWork],
) -> None:
    conversation_id = open_challenge(uow_factory, "visitor-words")
    store_inbound(uow_factory, "rest", "visitor-words", "je n'ai rien recu", None)
    store_inbound(uow_factory, "rest", "visitor-words", "1234567", None)
    assert stored_texts(uow_factory, conversation_id) == ["je n'ai rien recu", "1234567"]


def test_six_digits_are_stored_as_typed_when_no_code_is_awaited(
    uow_factory: Callable[[], UnitOfWork],
) -> None:
    inbound = store_inbound(uow_factory, "rest", "visitor-none", "123456", None)
    assert stored_texts(uow_factory, inbound.conversation_id) == ["123456"]
