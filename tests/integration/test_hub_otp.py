"""The hub checks a typed code through core before the bot sees anything: the transcript
keeps "••••••", the bot gets "/inform", no log line holds the code (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import select

from channels.bus import Bus
from core.models import Conversation, Message
from core.otp_checks import take_check
from core.uow import UnitOfWork
from hub.codes import CODE_PAYLOAD, MASKED_CODE
from hub.inbound import HubDeps, receive
from tests.integration.otp_support import chat, send_identification, wrong_for


class RecordingBrain:
    """Rasa's stand-in: keeps what it was sent, answers nothing."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    async def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[dict]:
        self.sent.append((sender, message, metadata))
        return []

    async def record_event(self, sender: str, event: dict[str, Any]) -> None:
        return None


@pytest.fixture
def brain() -> RecordingBrain:
    return RecordingBrain()


@pytest.fixture
def hub(seeded_uow_factory: Callable[[], UnitOfWork], brain: RecordingBrain) -> HubDeps:
    return HubDeps(uow_factory=seeded_uow_factory, brain=brain, bus=Bus(), intents=None)


def transcript(uow: Callable[[], UnitOfWork], conversation_id: int) -> list[str]:
    with uow() as unit:
        query = select(Message.text).where(Message.conversation_id == conversation_id)
        return list(unit.session.scalars(query.order_by(Message.id)))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


async def test_a_code_typed_with_dashes_is_masked_checked_and_never_shown_to_the_bot(
    hub: HubDeps,
    brain: RecordingBrain,
    seeded_uow_factory: Callable[[], UnitOfWork],
    caplog: pytest.LogCaptureFixture,
) -> None:
    uow = seeded_uow_factory
    conversation_id = chat(uow, "owner-1")
    code = send_identification(uow, conversation_id, utcnow())
    caplog.set_level(logging.DEBUG)
    metadata = {"language": "fr", "client_ip": "203.0.113.5"}
    reply = await receive(hub, "web", "owner-1", f"{code[:3]}-{code[3:]}", metadata)

    assert transcript(uow, conversation_id) == [MASKED_CODE]
    assert reply.message_id is not None
    [(sender, text, sent_metadata)] = brain.sent
    assert (sender, text) == ("web:owner-1", CODE_PAYLOAD)
    assert "client_ip" not in sent_metadata and code not in repr(sent_metadata)
    assert not any(code in record.getMessage() for record in caplog.records)
    check = take_check(uow(), conversation_id=conversation_id, now=utcnow())
    assert check is not None and check.outcome == "ok"
    with uow() as unit:
        assert unit.session.get(Conversation, conversation_id).client_ip == "203.0.113.5"


async def test_codes_typed_after_the_lock_are_masked_and_not_checked(
    hub: HubDeps, brain: RecordingBrain, seeded_uow_factory: Callable[[], UnitOfWork]
) -> None:
    uow = seeded_uow_factory
    conversation_id = chat(uow, "owner-2")
    code = send_identification(uow, conversation_id, utcnow())
    for _ in range(5):
        await receive(hub, "web", "owner-2", wrong_for(code))
    await receive(hub, "web", "owner-2", f"{code[:3]}.{code[3:]}")  # the right one, too late

    assert transcript(uow, conversation_id) == [MASKED_CODE] * 6
    assert [text for _, text, _ in brain.sent] == [CODE_PAYLOAD] * 6
    check = take_check(uow(), conversation_id=conversation_id, now=utcnow())
    assert check is not None and check.outcome == "locked"


async def test_a_text_holding_two_codes_is_masked_but_nothing_is_tried(
    hub: HubDeps, brain: RecordingBrain, seeded_uow_factory: Callable[[], UnitOfWork]
) -> None:
    uow = seeded_uow_factory
    conversation_id = chat(uow, "owner-3")
    code = send_identification(uow, conversation_id, utcnow())
    await receive(hub, "web", "owner-3", f"{code} ou 123 456 ?")
    assert transcript(uow, conversation_id) == [MASKED_CODE]
    assert [text for _, text, _ in brain.sent] == [CODE_PAYLOAD]
    assert take_check(uow(), conversation_id=conversation_id, now=utcnow()) is None


async def test_digits_are_kept_and_sent_as_typed_when_no_code_is_expected(
    hub: HubDeps, brain: RecordingBrain, seeded_uow_factory: Callable[[], UnitOfWork]
) -> None:
    reply = await receive(hub, "web", "nobody", "275 887")
    assert transcript(seeded_uow_factory, reply.conversation_id) == ["275 887"]
    assert [text for _, text, _ in brain.sent] == ["275 887"]
    assert not re.search(r"client_ip", repr(brain.sent))
