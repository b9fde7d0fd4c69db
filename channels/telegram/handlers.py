"""What the bot does with each kind of Telegram update: every customer message goes through
the hub (`handle_customer_message`), whose answers are sent back to the chat.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Message, Update, User
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
from channels.telegram.offers import OFFERS_COMMANDS, UNSUBSCRIBE_PATTERN, answer_offers
from channels.telegram.send import CHANNEL
from core import conversations, i18n
from core.errors import InvalidValue
from core.files import MAX_UPLOAD_BYTES, kind_of, sniff_type, store_upload
from core.unicode_text import encodable
from hub.deps import HubDeps
from hub.inbound import clean_text
from hub.provider_turn import converse
from hub.store import NewAttachment
from hub.texts import say
from hub.work import off_loop

log = logging.getLogger(__name__)

START_COMMAND = "/start"  # what Telegram sends when a user opens the bot
GREET_PAYLOAD = "/greet"
# The text given to the hub for a file or a place sent without a caption.
_PLACEHOLDERS = {"photo": "[photo]", "document": "[document]", "location": "[location]"}


def telegram_language(user: User | None) -> str | None:
    """'fr' or 'en' from the user's Telegram `language_code` ('fr-FR', 'en-GB'...), else None."""
    code = ((user.language_code if user else None) or "").lower()
    return next((lang for lang in ("fr", "en") if code.startswith(lang)), None)


def _text(key: str, language: str | None) -> str:
    """What the bot says itself (the `telegram` context of the catalogues), French by default."""
    return i18n.text("telegram", key, language)


@dataclass(frozen=True)
class Attached:
    """What to attach to the inbound message once the hub has stored it."""

    kind: str
    fields: dict[str, Any]


class TelegramHandlers:
    """The update callbacks, bound to the hub and the upload directory."""

    def __init__(self, hub: HubDeps, upload_dir: Path) -> None:
        self.hub = hub
        self.upload_dir = upload_dir
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

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
        await self._converse(context, message, user, text)

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
        async with self._lock(user.id):
            await self._hub_turn(context, user, payload)

    async def on_offers_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/offres or /offers: commercial offers on; /stopoffres or /stopoffers: off."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or not message.text:
            return
        command = message.text.split()[0][1:].split("@")[0].lower()
        subscribed, language = OFFERS_COMMANDS[command]
        async with self._lock(user.id):
            await answer_offers(
                self.hub, str(user.id), message.text, subscribed, language, reply_language=language
            )

    async def on_unsubscribe_button(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE
    ) -> None:
        """The "Ne plus recevoir" button under an offer: answered at once, offers off."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        await query.answer()
        async with self._lock(user.id):
            await answer_offers(
                self.hub, str(user.id), str(query.data), False, telegram_language(user)
            )

    async def on_file(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A photo (its largest size) or a document: stored, attached, its caption as text."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None:
            return
        if message.photo:
            kind, source = "photo", message.photo[-1]
            content_type, filename = "image/jpeg", None
        elif message.document is not None:
            kind, source = "document", message.document
            content_type, filename = source.mime_type, source.file_name
        else:
            return
        if (source.file_size or 0) > MAX_UPLOAD_BYTES:
            await self._refuse_file(context, user)
            return
        if message.caption is not None and not encodable(message.caption):
            # the hub refuses the caption (invalid_text): the file is not even downloaded
            await self._converse(context, message, user, message.caption)
            return
        data = bytes(await (await source.get_file()).download_as_bytearray())
        try:
            path, size = await off_loop(store_upload, data, content_type, self.upload_dir)
        except InvalidValue as exc:
            log.info("telegram file from %s refused: %s", user.id, exc.code)
            await self._refuse_file(context, user)
            return
        actual = sniff_type(data) or "application/octet-stream"  # store_upload checked it
        fields = {"content_type": actual, "filename": filename, "storage_path": path, "size": size}
        attached = Attached(kind_of(actual), fields)
        text = message.caption or _PLACEHOLDERS[kind]
        await self._converse(context, message, user, text, attached)

    async def on_location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A shared place: stored as a location attachment and given to the hub as metadata."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.location is None:
            return
        where = {"latitude": message.location.latitude, "longitude": message.location.longitude}
        attached = Attached("location", where)
        await self._converse(context, message, user, _PLACEHOLDERS["location"], attached, where)

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

    async def _converse(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        message: Message,
        user: User,
        text: str,
        attached: Attached | None = None,
        location: dict[str, float] | None = None,
    ) -> None:
        async with self._lock(user.id):
            await self._hub_turn(context, user, text, attached, location)

    async def _hub_turn(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        user: User,
        text: str,
        attached: Attached | None = None,
        location: dict[str, float] | None = None,
    ) -> None:
        external_id = str(user.id)
        metadata: dict[str, Any] = {
            "channel": CHANNEL,
            "external_id": external_id,
            "language": telegram_language(user),
        }
        if location is not None:
            metadata["location"] = location
        files = [NewAttachment(attached.kind, **attached.fields)] if attached else []
        await converse(
            self.hub, CHANNEL, external_id, clean_text(text), metadata, attachments=files
        )

    async def _refuse_file(self, context: ContextTypes.DEFAULT_TYPE, user: User) -> None:
        await context.bot.send_message(user.id, _text("file_refused", telegram_language(user)))

    def _lock(self, user_id: int) -> asyncio.Lock:
        lock = self._locks.get(user_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[user_id] = lock
        return lock
