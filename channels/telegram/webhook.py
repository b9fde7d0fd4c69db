"""POST /webhooks/telegram: Telegram's updates in webhook mode.

The secret Telegram was given with setWebhook comes back in `X-Telegram-Bot-Api-Secret-Token`;
compared in constant time, a wrong or missing one is refused (403) before the body is read.
The route only puts the update on the application's queue; the handlers answer it.
"""

from __future__ import annotations

import hmac
import json
import logging

from fastapi import APIRouter, HTTPException, Request
from telegram import Update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 256 * 1024  # an update is a few KB; files come by getFile, not here

router = APIRouter(tags=["channels"])


@router.post("/webhooks/telegram", summary="Telegram Bot API webhook", include_in_schema=False)
async def post_telegram_update(request: Request) -> dict[str, bool]:
    """Check the secret, parse the update and queue it for the Telegram application."""
    channel = getattr(request.app.state, "telegram", None)
    if channel is None or not channel.running or channel.secret is None:
        raise _reject(404, "telegram_off", "the Telegram channel is not on (webhook mode)")
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode("utf-8"), channel.secret.encode("utf-8")):
        log.warning("telegram webhook refused: wrong or missing secret token")
        raise _reject(403, "forbidden", "wrong or missing secret token")
    body = await _read_capped(request, MAX_UPDATE_BYTES)
    try:
        data = json.loads(body)
        update = Update.de_json(data, channel.application.bot) if isinstance(data, dict) else None
    except (ValueError, TypeError, KeyError, RecursionError):
        update = None
    if update is None:
        raise _reject(400, "invalid_update", "the body is not a Telegram update")
    await channel.application.update_queue.put(update)
    return {"ok": True}


async def _read_capped(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _reject(413, "payload_too_large", f"the body is larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _reject(413, "payload_too_large", f"the body is larger than {limit} bytes")
    return bytes(body)


def _reject(status: int, code: str, message: str) -> HTTPException:
    return HTTPException(status, detail={"code": code, "message": message})
