"""Hub messages out to Telegram: text with an inline keyboard, a venue for a place, and the
`TelegramSender` the hub delivers proactive messages through (hub/outbound.py)."""

from __future__ import annotations

from telegram import Bot
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from channels.telegram.buttons import keyboard
from hub.messages import OutgoingMessage, Venue
from hub.ports import PermanentSendError, TransientSendError

CHANNEL = "telegram"
MAX_TEXT_CHARS = 4096  # Telegram's limit for one message
MAX_AGENCY_VENUES = 3  # the agencies a customer gets as venues (nearest first)
_NO_TEXT = "…"  # Telegram refuses an empty text; buttons alone still need one


def message_text(message: OutgoingMessage) -> str | None:
    """What the message says: an advisor's message is signed with their name; an image
    is given as its link, a document link as its title and URL (Telegram makes it
    clickable; its URL buttons refuse the hosts of development, hence text)."""
    parts = [message.text] if message.text else []
    if message.image:
        parts.append(message.image)
    parts.extend(f"{link.title}\n{link.url}" for link in message.links)
    text = "\n".join(parts)
    if text and message.author:
        text = f"{message.author}: {text}"
    if not text and message.buttons:
        text = _NO_TEXT
    return text[:MAX_TEXT_CHARS] or None


async def send_outgoing(bot: Bot, chat_id: int | str, message: OutgoingMessage) -> str | None:
    """Send one hub message (text and buttons, a venue, or the first agencies of an
    `agencies` message as venues); the last Telegram message id,
    None when there was nothing Telegram can show (another custom message)."""
    sent_id: str | None = None
    text = message_text(message)
    if text is not None:
        sent = await bot.send_message(chat_id, text, reply_markup=keyboard(message.buttons))
        sent_id = str(sent.message_id)
    venues = [message.venue] if message.venue is not None else agency_venues(message)
    for venue in venues:
        sent = await bot.send_venue(
            chat_id,
            latitude=venue.latitude,
            longitude=venue.longitude,
            title=venue.title,
            address=venue.address,
        )
        sent_id = str(sent.message_id)
    return sent_id


def agency_venues(message: OutgoingMessage, limit: int = MAX_AGENCY_VENUES) -> list[Venue]:
    """The first agencies of the custom `{"agencies": {"items": [...]}}` message (nearest
    first, docs/workshop.md) as venues; malformed items are skipped."""
    custom = message.custom
    agencies = custom.get("agencies") if isinstance(custom, dict) else None
    items = agencies.get("items") if isinstance(agencies, dict) else None
    venues: list[Venue] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        distance = item.get("distance_km")
        title = item["name"]
        if isinstance(distance, (int, float)) and not isinstance(distance, bool):
            title = f"{title} · {distance:.1f} km"
        place = ", ".join(
            part
            for part in (
                item.get("address"),
                f"{item.get('postcode') or ''} {item.get('city') or ''}",
            )
            if isinstance(part, str) and part.strip()
        )
        venue = Venue.parse(
            {
                "latitude": item.get("latitude"),
                "longitude": item.get("longitude"),
                "title": title,
                "address": place.strip() or title,
            }
        )
        if venue is not None:
            venues.append(venue)
        if len(venues) == limit:
            break
    return venues


class TelegramSender:
    """The hub's sender for Telegram customers (external id = user id = private chat id)."""

    channel = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, external_id: str, message: OutgoingMessage) -> str | None:
        """Send through the Bot API; provider errors become Transient/PermanentSendError."""
        try:
            return await send_outgoing(self.bot, external_id, message)
        except RetryAfter as exc:
            raise TransientSendError(f"rate limited, retry after {exc.retry_after}") from exc
        except (Forbidden, BadRequest) as exc:  # BadRequest is a NetworkError: first
            raise PermanentSendError(str(exc)) from exc
        except NetworkError as exc:  # TimedOut is a NetworkError
            raise TransientSendError(str(exc)) from exc
        except TelegramError as exc:
            raise PermanentSendError(str(exc)) from exc

    async def send_typing(self, external_id: str) -> None:
        """Telegram's own "typing…" in the customer's chat (shown 5 s or until a message),
        while their advisor types (hub/typing_signals.py); errors are the caller's to drop."""
        await self.bot.send_chat_action(external_id, ChatAction.TYPING)
