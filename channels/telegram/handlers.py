"""What the bot does with each kind of Telegram update: every customer message goes through
the hub as one `CustomerMessage` (built in channels/telegram/inbound.py) through
`hub.provider_turn.converse`, whose answers are sent back to the chat.

Telegram external id = the user's id (also their private chat's id). Updates of one user are
handled one at a time (a lock per user) while different users are served concurrently.
Files are stored with core `store_upload` and attached to the stored inbound message.
The offers commands (/offres, /stopoffres, ...) and the unsubscribe button are answered here,
before the dialogue (channels/telegram/offers.py).
"""

from __future__ import annotations

import asyncio
import logging
import weakref

from telegram import Update, User
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from channels.telegram.buttons import resolve_payload
from channels.telegram.inbound import (
    PLACEHOLDERS,
    customer_message,
    file_of,
    place_of,
    stored_file,
    telegram_language,
)
from channels.telegram.offers import OFFERS_COMMANDS, UNSUBSCRIBE_PATTERN
from channels.telegram.send import CHANNEL
from core import conversations, i18n
from core.unicode_text import encodable
from hub.deps import HubDeps
from hub.messages import CustomerMessage
from hub.offers import answer_offers
from hub.provider_turn import converse
from hub.texts import say
from hub.work import off_loop

log = logging.getLogger(__name__)

START_COMMAND = "/start"  # what Telegram sends when a user opens the bot
GREET_PAYLOAD = "/greet"


def _text(key: str, language: str | None) -> str:
    """What the bot says itself (the `telegram` context of the catalogues), French by default."""
    return i18n.text("telegram", key, language)


class TelegramHandlers:
    """The update callbacks, bound to the hub (files go to its upload store)."""

    def __init__(self, hub: HubDeps) -> None:
        self.hub = hub
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def install(self, application: Application) -> None:
        """Register the callbacks and the error handler on `application`."""
        application.add_handler(TypeHandler(Update, self.skip_duplicate), group=-1)
        application.add_handler(CommandHandler(list(OFFERS_COMMANDS), self.on_offers_command))
        application.add_handler(
            CallbackQueryHandler(self.on_unsubscribe_button, pattern=UNSUBSCRIBE_PATTERN)
        )
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(MessageHandler(filters.TEXT, self.on_text))
        application.add_handler(MessageHandler(filters.PHOTO | filters.Document.ALL, self.on_file))
        application.add_handler(MessageHandler(filters.LOCATION, self.on_location))
        application.add_error_handler(self.on_error)

    async def skip_duplicate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stop an update already taken in (Telegram retried its delivery)."""
        claimed = await off_loop(
            conversations.claim_inbound,
            self.hub.uow_factory(),
            CHANNEL,
            f"update:{update.update_id}",
            self.hub.now(),
        )
        if not claimed:
            log.info("telegram update %s already processed", update.update_id)
            raise ApplicationHandlerStop

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed message acts as the customer's message; Telegram's /start greets."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or not message.text:
            return
        text = message.text
        if text == START_COMMAND or text.startswith(START_COMMAND + " "):
            text = GREET_PAYLOAD
        await self._converse(customer_message(user, text))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A pressed inline button: answered at once, then its payload acts as the message."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        await query.answer()
        data = query.data if isinstance(query.data, str) else ""
        payload = await off_loop(resolve_payload, self.hub.uow_factory, str(user.id), data)
        if payload is None:
            await context.bot.send_message(
                user.id, _text("choice_expired", telegram_language(user))
            )
            return
        await self._converse(customer_message(user, payload))

    async def on_offers_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/offres or /offers: commercial offers on; /stopoffres or /stopoffers: off."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or not message.text:
            return
        command = message.text.split()[0][1:].split("@")[0].lower()
        subscribed, language = OFFERS_COMMANDS[command]
        async with self._lock(str(user.id)):
            await answer_offers(
                self.hub,
                CHANNEL,
                str(user.id),
                message.text,
                subscribed,
                language,
                reply_language=language,
            )

    async def on_unsubscribe_button(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE
    ) -> None:
        """The "Ne plus recevoir" button under an offer: answered at once, offers off."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        await query.answer()
        async with self._lock(str(user.id)):
            await answer_offers(
                self.hub, CHANNEL, str(user.id), str(query.data), False, telegram_language(user)
            )

    async def on_file(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo (its largest size) or a document: stored, attached, its caption as text."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        found = file_of(message)
        if found is None:
            return
        if message.caption is not None and not encodable(message.caption):
            # the hub refuses the caption (invalid_text): the file is not even downloaded
            await self._converse(customer_message(user, message.caption))
            return
        attachment = await stored_file(found, self.hub.files)
        if attachment is None:
            await self._refuse_file(context, user)
            return
        text = message.caption or PLACEHOLDERS[found.kind]
        await self._converse(customer_message(user, text, attachment))

    async def on_location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A shared place: stored as a location attachment and given to the hub as metadata."""
        message, user = update.effective_message, update.effective_user
        place = place_of(message) if message is not None else None
        if user is None or place is None:
            return
        where, attachment = place
        await self._converse(customer_message(user, PLACEHOLDERS["location"], attachment, where))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the exception first, then tell the customer, if any, that it did not work."""
        log.error("telegram update failed", exc_info=context.error)
        if not isinstance(update, Update) or update.effective_user is None:
            return
        try:
            language = telegram_language(update.effective_user)
            text = say("assistant_unavailable", language)
            await context.bot.send_message(update.effective_user.id, text)
        except Exception:  # the apology is best effort
            log.warning("could not tell telegram user about the failure", exc_info=True)

    async def _converse(self, message: CustomerMessage) -> None:
        """Give the message to the hub, one message of a user at a time."""
        async with self._lock(message.external_id):
            await converse(self.hub, message)

    async def _refuse_file(self, context: ContextTypes.DEFAULT_TYPE, user: User) -> None:
        await context.bot.send_message(user.id, _text("file_refused", telegram_language(user)))

    def _lock(self, external_id: str) -> asyncio.Lock:
        lock = self._locks.get(external_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[external_id] = lock
        return lock
