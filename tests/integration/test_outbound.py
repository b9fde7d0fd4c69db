"""Delivery to push channels: retries with backoff, permanent failures, opt-out, staff list."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timezone

from channels.bus import Bus
from core import conversations, handoff
from hub.announce import tell_customer
from hub.deps import HubDeps
from hub.messages import OutgoingMessage
from hub.outbound import deliver
from hub.ports import PermanentSendError, TransientSendError
from tests.integration.staff_web_support import login, units_of_work
from tests.integration.web_support import web_client


class NoBrain:
    async def send(self, sender, message, metadata):  # pragma: no cover - never asked
        raise AssertionError("the bot is not part of delivery")

    async def record_event(self, sender, event) -> None:  # pragma: no cover
        raise AssertionError("the bot is not part of delivery")


@dataclass
class ScriptedSender:
    """Fails with the scripted errors first, then answers provider ids."""

    channel: str = "whatsapp"
    failures: list[Exception] = field(default_factory=list)
    calls: list[tuple[str, OutgoingMessage]] = field(default_factory=list)

    async def send(self, external_id: str, message: OutgoingMessage) -> str | None:
        self.calls.append((external_id, message))
        if self.failures:
            raise self.failures.pop(0)
        return f"SM{len(self.calls)}"


@dataclass
class Sleeps:
    waited: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waited.append(seconds)


def _deps(uow_factory, sender: ScriptedSender) -> HubDeps:
    return HubDeps(
        uow_factory=uow_factory, brain=NoBrain(), bus=Bus(), senders={sender.channel: sender}
    )


def _stored(uow_factory, add_conversation, text: str = "Votre moto est prête"):
    conversation_id = add_conversation("whatsapp", "+33611111111")
    message_id = conversations.record_message(
        uow_factory(), conversation_id, direction="out", sender="hub", text=text, status="sent"
    )
    return conversation_id, message_id


def _message(uow_factory, conversation_id: int):
    return conversations.transcript(uow_factory(), conversation_id)[-1]


def test_transient_errors_are_retried_with_backoff_then_the_message_is_sent(
    uow_factory, add_conversation
) -> None:
    sender = ScriptedSender(failures=[TransientSendError("429"), TransientSendError("503")])
    conversation_id, message_id = _stored(uow_factory, add_conversation)
    sleeps = Sleeps()

    sent = asyncio.run(
        deliver(
            _deps(uow_factory, sender),
            "whatsapp",
            "+33611111111",
            message_id,
            OutgoingMessage(text="Votre moto est prête"),
            sleep=sleeps,
        )
    )

    assert sent
    assert len(sender.calls) == 3
    assert sleeps.waited == [0.5, 1.0]
    stored = _message(uow_factory, conversation_id)
    assert (stored.status, stored.external_id, stored.error) == ("sent", "SM3", None)


def test_a_message_failing_every_retry_is_marked_failed(uow_factory, add_conversation) -> None:
    sender = ScriptedSender(failures=[TransientSendError("timeout")] * 4)
    conversation_id, message_id = _stored(uow_factory, add_conversation)
    sleeps = Sleeps()

    sent = asyncio.run(
        deliver(
            _deps(uow_factory, sender),
            "whatsapp",
            "+33611111111",
            message_id,
            OutgoingMessage(text="x"),
            sleep=sleeps,
        )
    )

    assert not sent
    assert sleeps.waited == [0.5, 1.0, 2.0]
    assert len(sender.calls) == 4
    stored = _message(uow_factory, conversation_id)
    assert (stored.status, stored.error) == ("failed", "transient: timeout")


def test_a_permanent_failure_is_not_retried(uow_factory, add_conversation) -> None:
    sender = ScriptedSender(failures=[PermanentSendError("400 21211: invalid 'To'")])
    conversation_id, message_id = _stored(uow_factory, add_conversation)
    sleeps = Sleeps()

    sent = asyncio.run(
        deliver(
            _deps(uow_factory, sender),
            "whatsapp",
            "+33611111111",
            message_id,
            OutgoingMessage(text="x"),
            sleep=sleeps,
        )
    )

    assert not sent
    assert len(sender.calls) == 1 and sleeps.waited == []
    [failed] = conversations.failed_outbound(uow_factory())
    assert (failed.id, failed.error) == (message_id, "permanent: 400 21211: invalid 'To'")


def test_a_proactive_message_is_not_sent_to_an_opted_out_customer(
    uow_factory, add_conversation, now
) -> None:
    sender = ScriptedSender()
    conversation_id, message_id = _stored(uow_factory, add_conversation)
    conversations.set_opt_out(uow_factory(), "whatsapp", "+33611111111", True, now)
    deps = _deps(uow_factory, sender)

    proactive = asyncio.run(
        deliver(
            deps,
            "whatsapp",
            "+33611111111",
            message_id,
            OutgoingMessage(text="Rappel"),
            proactive=True,
        )
    )
    assert not proactive and sender.calls == []
    assert _message(uow_factory, conversation_id).error == "opted_out"

    answer_id = conversations.record_message(
        uow_factory(),
        conversation_id,
        direction="out",
        sender="bot",
        text="Bien sûr",
        status="sent",
    )
    assert asyncio.run(
        deliver(deps, "whatsapp", "+33611111111", answer_id, OutgoingMessage(text="Bien sûr"))
    )
    assert [m.text for _, m in sender.calls] == ["Bien sûr"]


def test_tell_customer_delivers_through_the_conversation_s_sender(
    uow_factory, add_conversation
) -> None:
    sender = ScriptedSender()
    conversation_id = add_conversation("whatsapp", "+33622222222")
    now = datetime.now(timezone.utc)
    view = handoff.HandoffView(
        id=1,
        conversation_id=conversation_id,
        channel="whatsapp",
        external_id="+33622222222",
        customer_name=None,
        language="fr",
        status="accepted",
        advisor_id=None,
        advisor_name="Nina",
        created_at=now,
        accepted_at=now,
        ended_at=None,
        expires_at=now,
        reason=None,
    )

    message_id = asyncio.run(
        tell_customer(
            _deps(uow_factory, sender), view, OutgoingMessage(text="Bonjour", author="Nina")
        )
    )

    assert sender.calls == [("+33622222222", OutgoingMessage(text="Bonjour", author="Nina"))]
    stored = _message(uow_factory, conversation_id)
    assert (stored.id, stored.status, stored.external_id) == (message_id, "sent", "SM1")


def test_staff_see_the_failed_messages(seeded_sqlite_url) -> None:
    with units_of_work(seeded_sqlite_url) as new_uow:
        conversation = conversations.get_or_create_conversation(new_uow(), "whatsapp", "+33633")
        message_id = conversations.record_message(
            new_uow(),
            conversation.id,
            direction="out",
            sender="bot",
            text="Rendez-vous ?",
            status="sent",
        )
        conversations.mark_delivery(
            new_uow(), message_id, status="failed", error="permanent: 21211"
        )

    with web_client(seeded_sqlite_url) as client:
        assert client.get("/api/messages/failed").status_code == 401
        login(client)
        response = client.get("/api/messages/failed")

    assert response.status_code == 200
    [item] = response.json()
    assert item["id"] == message_id
    assert (item["channel"], item["external_id"], item["text"], item["error"]) == (
        "whatsapp",
        "+33633",
        "Rendez-vous ?",
        "permanent: 21211",
    )
    assert item["created_at"]
