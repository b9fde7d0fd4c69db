"""The bus's topics (docs/handoff.md, docs/rooms.md): `queue` (the pending queue changed),
`advisor:{staff_id}` (a customer message or a status change for that advisor, or
`session_revoked`: some session of theirs may have ended, consoles check theirs now),
`conversation:{conversation_id}` (something to deliver to the customer live),
`notifications` (a commercial notification sent now, for the widgets' SSE streams)."""

from __future__ import annotations

from typing import Any

from core.notifications import NotificationView

NOTIFICATIONS_TOPIC = "notifications"
SESSION_REVOKED = "session_revoked"


def queue_topic() -> str:
    return "queue"


def advisor_topic(staff_id: int) -> str:
    return f"advisor:{staff_id}"


def session_revoked_event() -> dict[str, Any]:
    """Published on `advisor:{staff_id}` when sessions of that staff member were ended
    (deactivated, signed out, password or two-factor reset); carries no session id."""
    return {"type": SESSION_REVOKED}


def conversation_topic(conversation_id: int) -> str:
    return f"conversation:{conversation_id}"


def notification_event(view: NotificationView) -> dict[str, Any]:
    """What is published on the bus and sent to the browser."""
    return {
        "id": view.id,
        "title": view.title,
        "body": view.body,
        "link": view.link,
        "audience": view.audience,
        "language": view.language,
        "sent_at": view.sent_at.isoformat() if view.sent_at else None,
    }
