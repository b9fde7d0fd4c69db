"""The rules of commercial notifications that need no database: limits, the checking of a
notification's fields, who an audience reaches, and the views (lifecycle: core/notifications.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.errors import InvalidValue
from core.models import Notification

AUDIENCES = ("all", "opted_in", "language")
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
RECEIVING_CHANNELS = ("web", "telegram", "whatsapp")
TITLE_MAX = 120
BODY_MAX = 1000
# Title, text, link and the unsubscribe line fit in one WhatsApp message (1,600 characters).
LINK_MAX = 300
PAST_TOLERANCE = timedelta(minutes=1)  # "at a set time" a little in the past = now
CATCH_UP_LIMIT = 20
_LINK = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


@dataclass(frozen=True)
class NotificationView:
    id: int
    title: str
    body: str
    link: str | None
    audience: str
    language: str | None
    status: str
    send_at: datetime
    sent_at: datetime | None
    created_at: datetime
    received: int = 0


@dataclass(frozen=True)
class AudienceProfile:
    """What decides whether one customer is in a notification's audience."""

    conversation_id: int
    channel: str
    language: str
    opted_out: bool
    subscribed: bool
    declined: bool = False  # said no to commercial offers (OFFRES STOP, /stopoffres)


@dataclass(frozen=True)
class Recipient:
    conversation_id: int
    channel: str
    external_id: str
    language: str = DEFAULT_LANGUAGE  # the conversation's (none known counts as French)


def validate(
    *, title: str, body: str, link: str | None, audience: str, language: str | None
) -> dict[str, str | None]:
    """The cleaned fields of a notification (also for the preview); InvalidValue says which."""
    title = " ".join((title or "").split())
    body = "\n".join(line.rstrip() for line in (body or "").strip().splitlines())
    link = (link or "").strip() or None
    if not title or len(title) > TITLE_MAX:
        raise InvalidValue("invalid_title", f"a title has 1 to {TITLE_MAX} characters")
    if not body or len(body) > BODY_MAX:
        raise InvalidValue("invalid_body", f"a text has 1 to {BODY_MAX} characters")
    if link is not None and (len(link) > LINK_MAX or not _LINK.match(link)):
        raise InvalidValue("invalid_link", "a link starts with https:// (or http://)")
    if audience not in AUDIENCES:
        raise InvalidValue("invalid_audience", f"audience is one of {', '.join(AUDIENCES)}")
    if audience == "language":
        if language not in LANGUAGES:
            raise InvalidValue("invalid_language", f"language is one of {', '.join(LANGUAGES)}")
    else:
        language = None
    return {
        "title": title,
        "body": body,
        "link": link,
        "audience": audience,
        "language": language,
    }


def is_for(profile: AudienceProfile, notification: NotificationView) -> bool:
    """Whether `notification` goes to that customer (never when they opted out)."""
    return reaches(profile, notification.audience, notification.language)


def reaches(profile: AudienceProfile, audience: object, language: object) -> bool:
    """Whether a notification for `audience` (and `language`) goes to that customer."""
    if profile.opted_out or profile.declined or profile.channel not in RECEIVING_CHANNELS:
        return False
    if audience == "opted_in":
        return profile.subscribed
    if audience == "language":
        return profile.language == language
    return True


def notification_view(n: Notification, received: int = 0) -> NotificationView:
    return NotificationView(
        id=n.id,
        title=n.title,
        body=n.body,
        link=n.link,
        audience=n.audience,
        language=n.language,
        status=n.status,
        send_at=n.send_at,
        sent_at=n.sent_at,
        created_at=n.created_at,
        received=int(received or 0),
    )
