"""The Telegram channel's life: built from the settings (no I/O), started and stopped in
the web app's lifespan, in webhook mode (updates posted to /webhooks/telegram, put on the
application's queue) or polling mode (development without a public URL)."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram.error import TelegramError
from telegram.ext import Application, SimpleUpdateProcessor

from channels.telegram.handlers import TelegramHandlers
from channels.telegram.send import TelegramSender
from channels.telegram.settings import TelegramSettings
from hub.deps import HubDeps

log = logging.getLogger(__name__)

_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token
CONCURRENT_UPDATES = 32  # different users at once; one user's updates stay in order


class TelegramChannel:
    """The python-telegram-bot Application, its mode and, in webhook mode, its secret."""

    def __init__(
        self,
        application: Application,
        mode: str,
        secret: str | None,
        hub: HubDeps,
    ) -> None:
        self.application = application
        self.mode = mode
        self.secret = secret
        self.sender = TelegramSender(application.bot)
        self.running = False
        TelegramHandlers(hub).install(application)

    async def start(self) -> None:
        """Connect to the Bot API (getMe) and process updates: in webhook mode those any
        replica's route queues (the webhook is registered once per deployment by `python -m
        channels.telegram set-webhook`, never at start). A Bot API that cannot be reached
        leaves the channel off (logged), not the web app down."""
        try:
            await self.application.initialize()
            await self.application.start()
        except (TelegramError, OSError):
            log.exception("Telegram channel could not start: it stays off")
            return
        self.running = True
        log.info("Telegram channel on (%s mode) as @%s", self.mode, self.application.bot.username)

    @asynccontextmanager
    async def polling(self) -> AsyncIterator[None]:
        """Polling mode: fetch updates while inside, on the leader replica only (Telegram
        refuses a second getUpdates caller). Webhook mode, or the channel off: nothing."""
        updater = self.application.updater
        if not self.running or updater is None:
            yield
            return
        try:
            await updater.start_polling()
        except (TelegramError, OSError):
            log.exception("Telegram polling could not start")
            yield
            return
        try:
            yield
        finally:
            if updater.running:
                await updater.stop()

    async def stop(self) -> None:
        """Stop fetching and processing updates and close the Bot API connections."""
        if not self.running:
            return
        self.running = False
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        await self.application.stop()
        await self.application.shutdown()


def telegram_channel(settings: TelegramSettings, hub: HubDeps) -> TelegramChannel | None:
    """The channel configured by `settings`, or None (logged) when it is off or refused:
    no token, or webhook mode without a valid secret (never an open webhook)."""
    if settings.telegram_token is None:
        log.warning("Telegram channel off: PITLANE_TELEGRAM_TOKEN is not set")
        return None
    secret = None
    if settings.telegram_mode == "webhook":
        secret = (
            settings.telegram_webhook_secret.get_secret_value()
            if settings.telegram_webhook_secret
            else None
        )
        if secret is None or not _SECRET.fullmatch(secret):
            log.error(
                "Telegram channel NOT started: webhook mode needs PITLANE_TELEGRAM_WEBHOOK_SECRET "
                "(1-256 of A-Z a-z 0-9 _ -); set it or use PITLANE_TELEGRAM_MODE=polling"
            )
            return None
    builder = (
        Application.builder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        .concurrent_updates(SimpleUpdateProcessor(CONCURRENT_UPDATES))
    )
    if settings.telegram_mode == "webhook":
        builder = builder.updater(None)
    return TelegramChannel(builder.build(), settings.telegram_mode, secret, hub)
