"""The hub's store of conversations and messages."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event

from core.conversations import (
    NewMessage,
    get_or_create_conversation,
    record_message,
    record_messages,
    set_conversation_language,
    set_message_status,
    transcript,
)
from core.errors import InvalidValue, NotFound


def test_a_conversation_is_created_once_per_channel_and_external_id(uow_factory) -> None:
    first = get_or_create_conversation(uow_factory(), "web", "abc", language="fr")

    again = get_or_create_conversation(uow_factory(), "web", "abc")
    other = get_or_create_conversation(uow_factory(), "telegram", "abc")

    assert again == first
    assert first.sender_id == "web:abc" and first.language == "fr"
    assert other.id != first.id


def test_concurrent_first_messages_share_one_conversation(migrated_url, uow_factory) -> None:
    barrier = threading.Barrier(8)
    ids: list[int] = []

    def open_conversation() -> None:
        uow = uow_factory()
        barrier.wait()
        ids.append(get_or_create_conversation(uow, "web", "same-visitor").id)

    threads = [threading.Thread(target=open_conversation) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(ids) == 8 and len(set(ids)) == 1


def test_messages_are_stored_in_order_with_their_status(uow_factory) -> None:
    conversation = get_or_create_conversation(uow_factory(), "web", "abc")
    inbound = record_message(
        uow_factory(),
        conversation.id,
        direction="in",
        sender="customer",
        text="salut",
        status="received",
    )
    record_message(
        uow_factory(),
        conversation.id,
        direction="out",
        sender="bot",
        text="Bonjour !",
        payload={"buttons": [{"title": "Entretien", "payload": "/check_maintenance"}]},
        status="sent",
    )
    set_message_status(uow_factory(), inbound, "answered")
    set_conversation_language(uow_factory(), conversation.id, "en")

    messages = transcript(uow_factory(), conversation.id)

    assert [(m.direction, m.text, m.status) for m in messages] == [
        ("in", "salut", "answered"),
        ("out", "Bonjour !", "sent"),
    ]
    assert messages[1].payload["buttons"][0]["payload"] == "/check_maintenance"
    assert messages[0].created_at.tzinfo is not None
    assert [m.text for m in transcript(uow_factory(), conversation.id, limit=1)] == ["Bonjour !"]
    assert get_or_create_conversation(uow_factory(), "web", "abc").language == "en"


def test_wrong_statuses_and_unknown_ids_are_refused(uow_factory) -> None:
    conversation = get_or_create_conversation(uow_factory(), "web", "abc")
    with pytest.raises(InvalidValue):
        record_message(
            uow_factory(),
            conversation.id,
            direction="out",
            sender="bot",
            text="x",
            status="received",
        )
    with pytest.raises(NotFound):
        record_message(
            uow_factory(), 999, direction="in", sender="customer", text="x", status="received"
        )
    with pytest.raises(NotFound):
        set_message_status(uow_factory(), 999, "answered")
    assert transcript(uow_factory(), conversation.id) == []
    answer = record_message(
        uow_factory(), conversation.id, direction="out", sender="bot", text="x", status="sent"
    )
    with pytest.raises(InvalidValue):  # an answer is never "answered"
        set_message_status(uow_factory(), answer, "answered")
    assert [m.status for m in transcript(uow_factory(), conversation.id)] == ["sent"]


def test_answers_are_stored_in_one_batch_in_their_order(uow_factory) -> None:
    conversation = get_or_create_conversation(uow_factory(), "web", "abc")
    texts = ["Bonjour !", "Que puis-je faire ?", "Voici le menu"]

    ids = record_messages(
        uow_factory(), conversation.id, [NewMessage("out", "bot", text) for text in texts]
    )

    stored = transcript(uow_factory(), conversation.id)
    assert [m.id for m in stored] == ids == sorted(ids)
    assert [m.text for m in stored] == texts
    with pytest.raises(InvalidValue):  # one wrong status: none of them is stored
        record_messages(
            uow_factory(),
            conversation.id,
            [NewMessage("out", "bot", "ok"), NewMessage("out", "bot", "ko", status="received")],
        )
    assert len(transcript(uow_factory(), conversation.id)) == 3


def test_one_transaction_commits_once_and_keeps_nothing_on_an_error(uow_factory) -> None:
    conversation = get_or_create_conversation(uow_factory(), "web", "abc")
    uow = uow_factory()
    commits: list[int] = []
    with uow.one_transaction():
        event.listen(uow.session, "after_commit", lambda _: commits.append(1))
        first = record_message(
            uow, conversation.id, direction="in", sender="customer", text="a", status="received"
        )
        set_message_status(uow, first, "answered")  # each of them commits on its own
        assert commits == []
    assert commits == [1]

    with pytest.raises(RuntimeError, match="boom"), uow_factory().one_transaction() as uow:
        record_message(
            uow, conversation.id, direction="in", sender="customer", text="b", status="received"
        )
        raise RuntimeError("boom")
    assert [(m.text, m.status) for m in transcript(uow_factory(), conversation.id)] == [
        ("a", "answered")
    ]
