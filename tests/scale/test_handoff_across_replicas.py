"""The advisor handoff across web replicas: the advisor's console on replica A, the customer's
widget on replica B. The request appears live in A's console, the acceptance made through B
reaches the customer, and messages cross both ways."""

from __future__ import annotations

import asyncio

from tests.scale.live import ADVISOR, Staff, chat_say, widget_socket, widget_token


async def test_a_handoff_is_requested_accepted_and_talked_across_replicas(scaled) -> None:
    advisor = await Staff(ADVISOR).sign_in(scaled.a)
    customer = await widget_token(scaled.b)
    async with advisor.console(scaled.a) as console:
        await console.send({"type": "heartbeat"})  # seen now: the advisor can be offered
        await console.next("heartbeat")
        available = await advisor.call(
            "PUT", f"{scaled.a}/api/staff/me/availability", json={"available": True}
        )
        assert available.status_code == 200, available.text
        async with widget_socket(scaled.b, "/ws/chat", customer, "history") as chat:
            asked = await chat_say(chat, "/ask_advisor")
            queued = await _queue_with_one(console)
            request_id = queued["requests"][0]["id"]

            accepted = await advisor.call("POST", f"{scaled.b}/api/handoffs/{request_id}/accept")
            told = await chat.next("bot")

            sent = await advisor.call(
                "POST",
                f"{scaled.a}/api/handoffs/{request_id}/messages",
                json={"text": "Bonjour, je suis là"},
            )
            from_advisor = await chat.next("advisor")

            await chat.send({"type": "message", "text": "J'ai une question sur ma moto"})
            seen = await _transcript_with(console, "J'ai une question sur ma moto")
            closed = await advisor.call("POST", f"{scaled.b}/api/handoffs/{request_id}/close")
    await advisor.aclose()

    assert any(frame.get("type") == "done" for frame in asked)
    assert accepted.status_code == 200, accepted.text
    assert told["text"]
    assert sent.status_code == 201, sent.text
    assert from_advisor["text"] == "Bonjour, je suis là"
    assert seen["request"]["id"] == request_id
    assert closed.status_code == 200, closed.text


async def _queue_with_one(console) -> dict:
    while True:
        frame = await console.next("queue")
        if frame["requests"]:
            return frame


async def _transcript_with(console, text: str) -> dict:
    """The next conversation snapshot whose transcript holds `text`."""

    async def find() -> dict:
        while True:
            frame = await console.next("conversation")
            texts = [m.get("text") for m in frame["request"].get("transcript") or []]
            if text in texts:
                return frame

    return await asyncio.wait_for(find(), 30)
