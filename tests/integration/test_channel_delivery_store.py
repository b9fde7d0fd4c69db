"""Channel delivery in core: inbound receipts, delivery statuses, opt-out, attachments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import conversations
from core.errors import InvalidValue, NotFound


def _outbound(uow_factory, conversation_id: int, text: str = "hello") -> int:
    return conversations.record_message(
        uow_factory(), conversation_id, direction="out", sender="bot", text=text, status="sent"
    )


def test_a_provider_message_is_claimed_once(uow_factory, now) -> None:
    assert conversations.claim_inbound(uow_factory(), "whatsapp", "SM1", now)
    assert not conversations.claim_inbound(uow_factory(), "whatsapp", "SM1", now)
    assert conversations.claim_inbound(uow_factory(), "telegram", "SM1", now)
    assert conversations.claim_inbound(uow_factory(), "whatsapp", "SM2", now + timedelta(1))


def test_a_delivery_is_marked_sent_then_failed_with_its_error(
    uow_factory, add_conversation
) -> None:
    conversation_id = add_conversation("whatsapp", "+33600000001")
    message_id = _outbound(uow_factory, conversation_id)
    conversations.mark_delivery(uow_factory(), message_id, status="sent", external_id="SMa")
    assert conversations.failed_outbound(uow_factory()) == []

    other = _outbound(uow_factory, conversation_id, "second")
    conversations.mark_delivery(uow_factory(), other, status="failed", error="permanent: 21211")
    [failed] = conversations.failed_outbound(uow_factory())
    assert (failed.id, failed.text, failed.error, failed.status) == (
        other,
        "second",
        "permanent: 21211",
        "failed",
    )
    with pytest.raises(InvalidValue):
        conversations.mark_delivery(uow_factory(), message_id, status="received")
    with pytest.raises(NotFound):
        conversations.mark_delivery(uow_factory(), 99_999, status="sent")


def test_status_callbacks_move_forward_and_failures_are_kept(uow_factory, add_conversation) -> None:
    conversation_id = add_conversation("whatsapp", "+33600000002")
    message_id = _outbound(uow_factory, conversation_id)
    conversations.mark_delivery(uow_factory(), message_id, status="sent", external_id="SMb")

    assert conversations.record_delivery_status(uow_factory(), "whatsapp", "SMb", "delivered")
    assert conversations.record_delivery_status(uow_factory(), "whatsapp", "SMb", "sent")  # late
    assert conversations.transcript(uow_factory(), conversation_id)[-1].status == "delivered"
    assert conversations.record_delivery_status(uow_factory(), "whatsapp", "SMb", "read")
    assert conversations.transcript(uow_factory(), conversation_id)[-1].status == "read"

    assert not conversations.record_delivery_status(uow_factory(), "whatsapp", "SMnone", "read")
    assert not conversations.record_delivery_status(uow_factory(), "sms", "SMb", "read")

    second = _outbound(uow_factory, conversation_id)
    conversations.mark_delivery(uow_factory(), second, status="sent", external_id="SMc")
    assert conversations.record_delivery_status(
        uow_factory(), "whatsapp", "SMc", "undelivered", "twilio error 63016"
    )
    [failed] = conversations.failed_outbound(uow_factory())
    assert (failed.id, failed.error, failed.external_id) == (second, "twilio error 63016", "SMc")


def test_a_customer_opts_out_and_back_in(uow_factory, now) -> None:
    assert not conversations.is_opted_out(uow_factory(), "whatsapp", "+33600000003")
    conversations.set_opt_out(uow_factory(), "whatsapp", "+33600000003", True, now)
    assert conversations.is_opted_out(uow_factory(), "whatsapp", "+33600000003")
    assert not conversations.is_opted_out(uow_factory(), "sms", "+33600000003")
    conversations.set_opt_out(uow_factory(), "whatsapp", "+33600000003", False, now)
    assert not conversations.is_opted_out(uow_factory(), "whatsapp", "+33600000003")


def test_attachments_are_kept_on_their_message(uow_factory, add_conversation) -> None:
    conversation_id = add_conversation("whatsapp", "+33600000004")
    message_id = conversations.record_message(
        uow_factory(),
        conversation_id,
        direction="in",
        sender="customer",
        text="[image]",
        status="received",
    )
    conversations.add_attachment(
        uow_factory(),
        message_id,
        kind="image",
        content_type="image/png",
        filename="a.png",
        storage_path="/var/uploads/a.png",
        size=12,
    )
    conversations.add_attachment(
        uow_factory(),
        message_id,
        kind="location",
        latitude=48.85,
        longitude=2.35,
        filename="Garage",
    )
    image, place = conversations.attachments_of(uow_factory(), message_id)
    assert (image.kind, image.content_type, image.size) == ("image", "image/png", 12)
    assert (place.kind, place.latitude, place.longitude) == ("location", 48.85, 2.35)
    with pytest.raises(InvalidValue):
        conversations.add_attachment(uow_factory(), message_id, kind="executable")
    with pytest.raises(NotFound):
        conversations.add_attachment(uow_factory(), 99_999, kind="image")
