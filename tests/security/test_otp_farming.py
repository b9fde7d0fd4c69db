"""Issue 14, item 4, replayed: farming one-time codes by opening new conversations.

Two senders, one vehicle, the codes typed through the hub as a customer would: the second
sender gets no fresh tries beyond the vehicle's limit, and no transcript holds a code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from channels.bus import Bus
from core.models import Message
from core.otp_checks import take_check
from core.uow import UnitOfWork
from hub.inbound import HubDeps, receive
from tests.integration.otp_support import chat, send_identification, wrong_for
from tests.integration.test_hub_otp import RecordingBrain


@pytest.fixture
def hub(seeded_uow_factory: Callable[[], UnitOfWork]) -> HubDeps:
    return HubDeps(uow_factory=seeded_uow_factory, brain=RecordingBrain(), bus=Bus())


async def test_a_new_sender_gets_no_fresh_tries_on_the_same_vehicle(
    hub: HubDeps, seeded_uow_factory: Callable[[], UnitOfWork]
) -> None:
    uow = seeded_uow_factory
    now = datetime.now(timezone.utc)
    codes = []
    outcomes = []
    for n, tries in ((1, 5), (2, 5)):  # the attacker's first sender, then a fresh one
        conversation_id = chat(uow, f"farmer-{n}")
        codes.append(send_identification(uow, conversation_id, now))
        for _ in range(tries):
            await receive(
                hub, "web", f"farmer-{n}", wrong_for(codes[-1]), {"client_ip": f"203.0.113.{n}"}
            )
            check = take_check(
                uow(), conversation_id=conversation_id, now=datetime.now(timezone.utc)
            )
            outcomes.append(check.outcome if check else None)

    # 5 + 3 wrong codes compared in all, then the vehicle's codes wait (30 s, 60 s...)
    assert outcomes == ["wrong"] * 4 + ["locked"] + ["wrong"] * 3 + ["throttled"] * 2
    with uow() as unit:
        texts = list(unit.session.scalars(select(Message.text)))
    assert texts and not any(code in text for code in codes for text in texts)
