"""Commercial notifications across web replicas: one sent now through one replica, and one
scheduled (sent by the scheduler's leader, whichever replica it is), reach the notification
streams open on both replicas, once each."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from tests.scale.live import ADMIN, Staff, notification_stream, widget_token

SCHEDULER_PERIOD = 15  # webapp/scheduler.py NOTIFICATIONS_SECONDS


async def test_notifications_sent_now_and_scheduled_reach_streams_on_both_replicas_once(
    scaled,
) -> None:
    admin = await Staff(ADMIN).sign_in(scaled.b)
    on_a_token, on_b_token = await widget_token(scaled.a), await widget_token(scaled.b)
    url = f"{scaled.b}/api/admin/notifications"
    async with (
        notification_stream(scaled.a, on_a_token) as on_a,
        notification_stream(scaled.b, on_b_token) as on_b,
    ):
        now = await admin.call("POST", url, json={"title": "Promo", "body": "-10 % ce mois"})
        assert now.status_code in (200, 201), now.text
        first = await asyncio.gather(on_a.next(), on_b.next())

        send_at = datetime.now(timezone.utc) + timedelta(seconds=2)
        body = {"title": "Portes ouvertes", "body": "Samedi", "send_at": send_at.isoformat()}
        later = await admin.call("POST", url, json=body)
        assert later.status_code in (200, 201), later.text
        wait = SCHEDULER_PERIOD * 2 + 10
        second = await asyncio.gather(on_a.next(timeout=wait), on_b.next(timeout=wait))
        # a second copy (two schedulers sending) would come within a scheduler period
        extra = await asyncio.gather(
            nothing_within(on_a, SCHEDULER_PERIOD + 2), nothing_within(on_b, SCHEDULER_PERIOD + 2)
        )
        history = (await admin.call("GET", url)).json()
    await admin.aclose()

    assert [event["id"] for event in first] == [now.json()["id"]] * 2
    assert [event["id"] for event in second] == [later.json()["id"]] * 2
    assert extra == [None, None]
    sent = {item["id"]: item["status"] for item in history}
    assert sent[now.json()["id"]] == sent[later.json()["id"]] == "sent"


async def nothing_within(stream, seconds: float):
    """The next notification if one comes within `seconds`, else None (the stream is then
    left unreadable: the last read of a test)."""
    try:
        return await stream.next(timeout=seconds)
    except asyncio.TimeoutError:
        return None
