"""Typing indicators over the sockets (issue 17, item 2): the widget's typing frames reach
the console of the advisor holding the chat, the console's reach the widget, and nothing
else gets through or comes back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.integration.staff_web_support import ADMIN, ADVISOR, login
from tests.integration.typing_support import (
    console_barrier,
    frames_until,
    request_of_widget,
    typing_in,
    widget_barrier,
)
from tests.integration.web_support import stored_messages, web_client
from tests.integration.widget_support import new_visitor


@pytest.fixture
def client(seeded_sqlite_url: str) -> Iterator[TestClient]:
    with web_client(seeded_sqlite_url) as client:
        yield client


def test_the_customers_typing_reaches_the_holding_advisors_console_once_accepted(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    headers = {"X-CSRF-Token": login(client, ADVISOR)}
    visitor = new_visitor(client)
    with visitor.chat() as widget, client.websocket_connect("/ws/console") as console:
        frames_until(widget, "history")
        frames_until(console, "mine")
        request_id = request_of_widget(seeded_sqlite_url, visitor.token)
        stored = len(stored_messages(seeded_sqlite_url))

        widget.send_json({"type": "typing", "state": "on"})  # pending: nobody is told
        widget.send_json({"type": "typing", "state": "off"})
        unanswered = widget_barrier(widget)  # and the widget gets no answer either
        accepted = client.post(f"/api/handoffs/{request_id}/accept", headers=headers)
        assert accepted.status_code == 200, accepted.text
        for _ in range(20):  # a flood: one signal goes through
            widget.send_json({"type": "typing", "state": "on"})
        widget_barrier(widget)
        seen = typing_in(frames_until(console, "typing") + console_barrier(console))

    assert [f["type"] for f in unanswered] == ["error"]
    conversation_id = client.get(f"/api/handoffs/{request_id}").json()["conversation_id"]
    assert seen == [
        {"type": "typing", "request_id": request_id, "conversation_id": conversation_id,
         "state": "on"}
    ]  # fmt: skip
    assert len(stored_messages(seeded_sqlite_url)) == stored + 1  # the "joined" notice only


def test_only_the_advisor_holding_the_chat_shows_the_customer_they_are_typing(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    headers = {"X-CSRF-Token": login(client, ADVISOR)}
    admin = TestClient(client.app)
    login(admin, ADMIN)
    visitor = new_visitor(client)
    with visitor.chat() as widget:
        frames_until(widget, "history")
        request_id = request_of_widget(seeded_sqlite_url, visitor.token)
        accepted = client.post(f"/api/handoffs/{request_id}/accept", headers=headers)
        assert accepted.status_code == 200, accepted.text
        with admin.websocket_connect("/ws/console") as other:
            frames_until(other, "mine")
            other.send_json({"type": "typing", "request_id": request_id, "state": "on"})
            other.send_json({"type": "typing", "request_id": request_id, "state": "off"})
            console_barrier(other)  # both handled: ignored
        with client.websocket_connect("/ws/console") as console:
            frames_until(console, "mine")
            for bad in ("x", None, True):  # not a request id: ignored
                console.send_json({"type": "typing", "request_id": bad, "state": "on"})
            console.send_json({"type": "typing", "request_id": request_id, "state": "on"})
            console_barrier(console)
        seen = typing_in(frames_until(widget, "typing") + widget_barrier(widget))

    assert seen == [{"type": "typing", "state": "on", "author": "Sophie Moreau"}]
