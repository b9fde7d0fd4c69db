"""POST /webhooks/telegram: Telegram's updates in webhook mode.

The secret Telegram was given with setWebhook comes back in `X-Telegram-Bot-Api-Secret-Token`;
compared in constant time, a wrong or missing one is refused (403) before the body is read.
The route only puts the update on the application's queue; the handlers answer it.
"""

from __future__ import annotations

import hmac
import json
import logging

from fastapi import APIRouter, Request
from telegram import Update

from channels.http import http_error, read_capped

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 256 * 1024  # an update is a few KB; files come by getFile, not here

router = APIRouter(tags=["channels"])


@router.post("/webhooks/telegram", summary="Telegram Bot API webhook", include_in_schema=False)
async def post_telegram_update(request: Request) -> dict[str, bool]:
    """Check the secret, parse the update and queue it for the Telegram application."""
    channel = getattr(request.app.state, "telegram", None)
    if channel is None or not channel.running or channel.secret is None:
        raise http_error(404, "telegram_off", "the Telegram channel is not on (webhook mode)")
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode("utf-8"), channel.secret.encode("utf-8")):
        log.warning("telegram webhook refused: wrong or missing secret token")
        raise http_error(403, "forbidden", "wrong or missing secret token")
    body = await read_capped(request, MAX_UPDATE_BYTES)
    try:
        data = json.loads(body)
        update = Update.de_json(data, channel.application.bot) if isinstance(data, dict) else None
    except (ValueError, TypeError, KeyError, RecursionError):
        update = None
    if update is None:
        raise http_error(400, "invalid_update", "the body is not a Telegram update")
    await channel.application.update_queue.put(update)
    return {"ok": True}
