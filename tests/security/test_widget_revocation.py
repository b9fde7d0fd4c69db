"""The widget's "forget this device" (`DELETE /api/widget/session`): once revoked, the old
token opens nothing on any transport (chat and rooms sockets, stream ticket, a ticket taken
before, subscription, uploads) and the widget starts again as a new visitor."""

from __future__ import annotations

from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.security.visitor import Visitor, first_chunk

STREAM = "/api/widget/notifications/stream"


def _chat_refusal(visitor: Visitor) -> tuple[str | None, int | None]:
    """(error code of the first frame, close code) of the chat socket for `visitor`'s token."""
    with visitor.client.websocket_connect("/ws/chat?lang=fr") as socket:
        socket.send_json({"type": "auth", "token": visitor.token})
        first = socket.receive_json()
        try:
            socket.receive_json()
        except WebSocketDisconnect as closed:
            return first.get("code"), closed.code
    return first.get("code"), None


def test_a_forgotten_token_is_refused_on_every_transport(security_client: TestClient) -> None:
    visitor = Visitor(security_client)
    visitor.say("bonjour, ma plaque est AB-123-CD")
    earlier_ticket = visitor.stream_ticket().json()["ticket"]

    forgot = visitor.forget()

    assert forgot.status_code == 204 and forgot.content == b""
    assert _chat_refusal(visitor) == ("invalid_token", 4401)
    assert visitor.socket_outcome("/ws/rooms") == "refused"
    for answer in (
        visitor.stream_ticket(),
        visitor.subscription(),
        visitor.set_subscription(False),
        visitor.upload(),
        visitor.forget(),  # nothing left to revoke
    ):
        assert answer.status_code == 401, answer.text
        assert answer.json()["error"]["code"] == "invalid_token"
    status, _chunk = security_client.portal.call(
        first_chunk, security_client.app, STREAM, f"ticket={earlier_ticket}"
    )
    assert status == 401  # a ticket taken before the revocation is worth nothing


def test_after_forgetting_the_widget_starts_again_as_a_new_visitor(
    security_client: TestClient, security_url: str
) -> None:
    visitor = Visitor(security_client)
    visitor.say("bonjour, ma plaque est AB-123-CD")
    old_key = visitor.key(security_url)
    assert visitor.forget().status_code == 204

    again = visitor.session()  # the widget asks with the old token, as it holds it

    assert again.status_code == 201 and again.json()["new"] is True
    fresh = Visitor(security_client, again.json()["token"])
    assert fresh.key(security_url) != old_key
    assert not any("AB-123-CD" in str(message) for message in _history(fresh))


def test_forgetting_needs_a_token_and_the_preflight_allows_it(security_client: TestClient) -> None:
    anonymous = Visitor(security_client, None).forget()
    preflight = security_client.options(
        "/api/widget/session",
        headers={"Origin": "https://dealer.example", "Access-Control-Request-Method": "DELETE"},
    )

    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "token_required"
    assert anonymous.headers["WWW-Authenticate"] == "Bearer"
    assert "DELETE" in preflight.headers["Access-Control-Allow-Methods"]


def _history(visitor: Visitor) -> list[dict]:
    with visitor.client.websocket_connect("/ws/chat?lang=fr") as socket:
        socket.send_json({"type": "auth", "token": visitor.token})
        first = socket.receive_json()
    assert first["type"] == "history", first
    return first["messages"]
