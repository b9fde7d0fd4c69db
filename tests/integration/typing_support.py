"""Helpers of the typing indicator tests over sockets (imported, not a conftest)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from core import conversations, customers, handoff
from tests.integration.staff_web_support import make_available, units_of_work
from tests.integration.widget_support import customer_key


def request_of_widget(database_url: str, token: str) -> int:
    """A pending handoff request of the conversation of the widget holding `token` (its
    socket opened it), from Camille Durand; its id."""
    make_available(database_url)
    key = customer_key(database_url, token)
    with units_of_work(database_url) as new_uow:
        conversation = conversations.get_or_create_conversation(new_uow(), "web", key, "fr")
        customers.register_customer(
            new_uow(),
            channel="web",
            external_id=key,
            name="Camille Durand",
            contact=f"{key[:8]}@example.com",
            language="fr",
        )
        now = datetime.now(timezone.utc)
        return handoff.request_handoff(new_uow(), conversation.id, now).id


def frames_until(socket: Any, kind: str, limit: int = 30) -> list[dict[str, Any]]:
    """The frames a socket sends up to and including the first of type `kind`."""
    frames = []
    for _ in range(limit):
        frames.append(socket.receive_json())
        if frames[-1].get("type") == kind:
            return frames
    raise AssertionError(f"no {kind} frame in {limit}: {[f.get('type') for f in frames]}")


def typing_in(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The typing frames among `frames`, without their time."""
    return [{k: v for k, v in f.items() if k != "at"} for f in frames if f["type"] == "typing"]


def widget_barrier(widget: Any) -> list[dict[str, Any]]:
    """Every frame the widget got until it answered a frame sent now: the frames sent to
    it before are then handled (its socket reads them in order)."""
    widget.send_json({"type": "nothing"})
    return frames_until(widget, "error")


def console_barrier(console: Any) -> list[dict[str, Any]]:
    """Every frame the console got until its heartbeat was answered (same reason)."""
    console.send_json({"type": "heartbeat"})
    return frames_until(console, "heartbeat")
