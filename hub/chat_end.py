"""The end of a human chat, customer side (docs/handoff.md): "Terminer la conversation"
ends it, then the customer may rate the advisor from 1 to 5 and get the transcript by
e-mail at an address they proved is theirs. These are the hub's own payloads: they never
reach Rasa, and they work the same from the widget, Telegram and WhatsApp (buttons)."""

from __future__ import annotations

import asyncio
import logging
import re

from core import handoff, handoff_ratings
from core.errors import Conflict, NotFound
from core.handoff import HandoffView
from core.identity import mask_email
from hub import store
from hub.announce import author_of, chat_state, status_changed
from hub.deps import HubDeps
from hub.messages import Button, OutgoingMessage
from hub.texts import menu, say
from hub.tracker_events import RESUME
from hub.work import off_loop

log = logging.getLogger(__name__)

END_PAYLOAD = "/end_advisor_chat"
TRANSCRIPT_PAYLOAD = "/email_transcript"
RATE_PAYLOAD = re.compile(r'^/rate_chat\{"score": ?([1-5])\}$')
# Typed alone during a human chat, these end it (anything else goes to the advisor).
END_WORDS = frozenset(
    {"terminer la conversation", "fin de la conversation", "end the chat", "end chat"}
)


def ends_chat(text: str) -> bool:
    """The end button's payload, or one of END_WORDS typed alone (case and punctuation aside)."""
    if text == END_PAYLOAD:
        return True
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split()) in END_WORDS


def rating_of(text: str) -> int | None:
    """The score of a rating button's payload, else None."""
    found = RATE_PAYLOAD.match(text)
    return int(found.group(1)) if found else None


def end_button(language: str | None) -> Button:
    return Button(say("end_chat_button", language), END_PAYLOAD)


async def end_for_customer(
    deps: HubDeps, inbound: store.Inbound, language: str | None
) -> list[OutgoingMessage]:
    """Close the conversation's accepted request for the customer. The caller holds the
    conversation's lock: Rasa's tracker is resumed before it is released, so the customer's
    next message reaches the bot again, whichever replica takes it."""
    view = await deps.core(handoff.end_for_customer, inbound.conversation_id, deps.now())
    if view is None:  # the advisor closed it a moment before
        return [OutgoingMessage(text=say("no_open_chat", language))]
    await asyncio.wait({deps.tracker_events.record(deps.brain, inbound.sender_id, RESUME)})
    await status_changed(deps, view)
    text = say("chat_ended_by_customer", language, advisor=author_of(view))
    buttons = [Button(t, p) for t, p in menu(language)]
    closing = OutgoingMessage(text=text, buttons=buttons, custom=chat_state(view))
    return [closing, await rating_question(deps, view)]


async def rating_question(deps: HubDeps, view: HandoffView) -> OutgoingMessage:
    """ "How was it?": five scores, and the transcript by e-mail when the customer has a
    verified address."""
    language = view.language
    scores = [Button(f"{s} ★", f'/rate_chat{{"score": {s}}}') for s in handoff_ratings.SCORES]
    if await deps.core(handoff_ratings.verified_email, view.conversation_id):
        scores.append(Button(say("transcript_button", language), TRANSCRIPT_PAYLOAD))
    text = say("rate_question", language, advisor=author_of(view))
    return OutgoingMessage(text=text, buttons=scores)


async def rate(
    deps: HubDeps, conversation_id: int, score: int, language: str | None
) -> list[OutgoingMessage]:
    """Store the score of the last chat (once) and thank the customer."""
    try:
        rated = await deps.core(handoff_ratings.rate_chat, conversation_id, score, deps.now())
    except NotFound:
        return [_with_menu(say("nothing_to_rate", language), language)]
    except Conflict:
        return [_with_menu(say("already_rated", language), language)]
    text = say("rate_thanks", language, score=rated.score)
    buttons = [Button(t, p) for t, p in menu(language)]
    if await deps.core(handoff_ratings.verified_email, conversation_id):
        buttons.insert(0, Button(say("transcript_button", language), TRANSCRIPT_PAYLOAD))
    return [OutgoingMessage(text=text, buttons=buttons)]


async def email_transcript(
    deps: HubDeps, conversation_id: int, language: str | None
) -> list[OutgoingMessage]:
    """The last chat's transcript, once, to the customer's verified e-mail address."""
    try:
        mail = await deps.core(
            handoff_ratings.claim_transcript, conversation_id, language, deps.now()
        )
    except NotFound:
        return [_with_menu(say("nothing_to_rate", language), language)]
    except Conflict as refused:
        return [_with_menu(say(refused.code, language), language)]
    transport = deps.transports.get("email")
    try:
        if transport is None:
            raise RuntimeError("no e-mail transport configured")
        await off_loop(transport.send, mail.destination, mail.subject, mail.body)
    except Exception:  # the relay failed: the customer may ask again
        log.exception("transcript of request %s: e-mail failed", mail.request_id)
        await deps.core(handoff_ratings.release_transcript, mail.request_id)
        return [_with_menu(say("transcript_failed", language), language)]
    masked = mask_email(mail.destination)
    return [_with_menu(say("transcript_sent", language, email=masked), language)]


def _with_menu(text: str, language: str | None) -> OutgoingMessage:
    return OutgoingMessage(text=text, buttons=[Button(t, p) for t, p in menu(language)])
