"""A booking's documents in the chat: the custom message `{"links": [...]}` with the
calendar invite and the PDF confirmation of each booking named (core/booking_documents.py).
Channels show it as links (widget), or as titles followed by their URLs (Telegram, WhatsApp,
SMS): hub/messages.py `Link`."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.base import ActionContext
from core.booking_documents import booking_ids, booking_links


def links_message(
    context: ActionContext, customer_id: int, reference: str, language: str
) -> dict | None:
    """The custom message of one of the customer's bookings; None when links are off or the
    reference is not theirs."""
    if context.links is None:
        return None
    found = booking_ids(context.uow(), customer_id, [reference])
    if reference not in found:
        return None
    return {"links": booking_links(context.links, found[reference], context.now(), language)}


def send_links(
    dispatcher: CollectingDispatcher,
    context: ActionContext,
    customer_id: int | None,
    reference: str,
    language: str,
) -> bool:
    """Utter the links of one booking; whether there were any."""
    if customer_id is None:
        return False
    message = links_message(context, customer_id, reference, language)
    if message is not None:
        dispatcher.utter_message(json_message=message)
    return message is not None
