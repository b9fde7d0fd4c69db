"""Commercial offers on Telegram: /offres (/offers) says yes, /stopoffres (/stopoffers) or
the "Ne plus recevoir" button under an offer says no. Recorded in core (`set_offers`, where
the widget's switch records it) before the dialogue, never passed to the bot."""

from __future__ import annotations

from channels.telegram.send import CHANNEL
from core import conversations, notifications
from hub import store
from hub.deps import HubDeps
from hub.messages import Button, OutgoingMessage
from hub.provider_turn import send_new
from hub.texts import OFFERS_UNSUBSCRIBE_PAYLOAD, offers_text, say
from hub.work import off_loop

# command (without "/") -> (subscribed, the language to answer in)
OFFERS_COMMANDS = {
    "offres": (True, "fr"),
    "offers": (True, "en"),
    "stopoffres": (False, "fr"),
    "stopoffers": (False, "en"),
}
UNSUBSCRIBE_PATTERN = f"^{OFFERS_UNSUBSCRIBE_PAYLOAD}$"


async def answer_offers(
    hub: HubDeps,
    external_id: str,
    text: str,
    subscribed: bool,
    language: str | None,
    *,
    reply_language: str | None = None,
) -> None:
    """Record the customer's yes or no to offers, store what they sent, and tell them what
    happened and how to undo it (a yes comes with the unsubscribe button). The reply is in
    `reply_language` (a command's), else the conversation's."""
    profile = await off_loop(
        lambda: notifications.set_offers(
            hub.uow_factory(), CHANNEL, external_id, subscribed, hub.now(), language
        )
    )
    await off_loop(
        lambda: conversations.record_message(
            hub.uow_factory(),
            profile.conversation_id,
            direction="in",
            sender=store.CUSTOMER,
            text=text,
            status="answered",
        )
    )
    speak = reply_language or profile.language
    reply = offers_text("offers_on" if subscribed else "offers_off", CHANNEL, speak)
    buttons = [unsubscribe_button(speak)] if subscribed else []
    message = OutgoingMessage(text=reply, buttons=buttons)
    await send_new(hub, CHANNEL, external_id, profile.conversation_id, message)


def unsubscribe_button(language: str | None) -> Button:
    """The inline button that says no to offers (its callback data is /stopoffres)."""
    return Button(say("offers_unsubscribe_button", language), OFFERS_UNSUBSCRIBE_PAYLOAD)
