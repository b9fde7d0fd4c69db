"""Rooms across web replicas: members connected to different replicas hear each other, and
deletions (a message, the room) made through either replica reach both."""

from __future__ import annotations

from tests.scale.live import ADMIN, Staff, widget_socket, widget_token


async def join(socket, room_id: int, name: str) -> None:
    await socket.send({"type": "join", "room_id": room_id, "name": name})
    await socket.next("joined")


async def test_room_messages_and_deletions_cross_replicas_both_ways(scaled) -> None:
    admin = await Staff(ADMIN).sign_in(scaled.a)
    created = await admin.call(
        "POST", f"{scaled.a}/api/admin/rooms", json={"name": "Répliques", "capacity": 5}
    )
    assert created.status_code == 201, created.text
    room_id = created.json()["id"]
    alice_token, bob_token = await widget_token(scaled.a), await widget_token(scaled.b)

    async with (
        widget_socket(scaled.a, "/ws/rooms", alice_token, "rooms") as alice,
        widget_socket(scaled.b, "/ws/rooms", bob_token, "rooms") as bob,
    ):
        await join(alice, room_id, "Alice")
        await join(bob, room_id, "Bob")

        await bob.send({"type": "post", "room_id": room_id, "text": "salut depuis B"})
        on_a = await alice.next("message")
        await alice.send({"type": "post", "room_id": room_id, "text": "reçu sur A"})
        on_b = await _message(bob, "reçu")

        removed = await admin.call(
            "DELETE", f"{scaled.b}/api/admin/rooms/{room_id}/messages/{on_a['message']['id']}"
        )
        removed_on_a = await alice.next("removed")
        removed_on_b = await bob.next("removed")

        deleted = await admin.call("DELETE", f"{scaled.a}/api/admin/rooms/{room_id}")
        closed_on_b = await bob.next("closed")
        closed_on_a = await alice.next("closed")
    await admin.aclose()

    assert on_a["message"]["text"] == "salut depuis B" and on_a["message"]["mine"] is False
    assert on_b["message"]["text"] == "reçu sur A"
    assert removed.status_code == 200, removed.text
    assert removed_on_a["message_id"] == removed_on_b["message_id"] == on_a["message"]["id"]
    assert deleted.json()["status"] == "deleted"
    assert closed_on_a["room_id"] == closed_on_b["room_id"] == room_id


async def _message(socket, prefix: str) -> dict:
    """The next room message whose text starts with `prefix` (own echoes are skipped)."""
    while True:
        frame = await socket.next("message")
        if frame["message"]["text"].startswith(prefix):
            return frame
