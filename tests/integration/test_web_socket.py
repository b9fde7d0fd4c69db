"""`WS /ws/chat`: the widget's socket: the auth frame, transcript on connect, frames in and
out, bad frames."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.integration.web_support import stored_messages, web_client
from tests.integration.widget_support import authenticated_socket, customer_key, issue_token


@pytest.fixture
def client(seeded_sqlite_url: str) -> Iterator[TestClient]:
    with web_client(seeded_sqlite_url) as client:
        yield client


@pytest.fixture
def token(client: TestClient) -> str:
    return issue_token(client)


def chat(client: TestClient, token: str, lang: str = "fr") -> Any:
    """The widget's authenticated socket."""
    return authenticated_socket(client, "/ws/chat", token, lang)


def send_message(socket: Any, text: str) -> list[dict[str, Any]]:
    """Send one message frame; return the frames up to the closing 'done'."""
    socket.send_json({"type": "message", "text": text})
    frames = []
    while True:
        frame = socket.receive_json()
        if frame["type"] == "done":
            return frames
        frames.append(frame)


def test_sends_an_empty_history_to_a_new_visitor(client: TestClient, token: str) -> None:
    with chat(client, token) as socket:
        assert socket.receive_json() == {"type": "history", "messages": []}


def test_answers_unavailable_and_keeps_the_message_when_rasa_is_down(
    client: TestClient, token: str, seeded_sqlite_url: str
) -> None:
    with chat(client, token) as socket:
        socket.receive_json()
        [frame] = send_message(socket, "Bonjour !")

    assert frame["type"] == "bot"
    assert frame["text"].startswith("L'assistant est momentanément indisponible")
    inbound = stored_messages(seeded_sqlite_url)[0]
    key = customer_key(seeded_sqlite_url, token)
    assert (inbound.channel, inbound.external_id, inbound.status) == ("web", key, "failed")


def test_speaks_english_when_the_widget_says_the_browser_is_english(
    client: TestClient, token: str, seeded_sqlite_url: str
) -> None:
    with chat(client, token, lang="en-US") as socket:
        socket.receive_json()
        [frame] = send_message(socket, "ok")

    assert frame["text"].startswith("The assistant is unavailable")
    assert stored_messages(seeded_sqlite_url)[0].language == "en"


def test_replays_the_transcript_when_the_widget_reconnects(client: TestClient, token: str) -> None:
    with chat(client, token) as socket:
        socket.receive_json()
        send_message(socket, "/greet")  # sent by the widget itself: not shown again
        send_message(socket, "Je voudrais un essai")
        send_message(socket, "/definitely_not_an_intent")

    with chat(client, token) as socket:
        history = socket.receive_json()

    assert history["type"] == "history"
    shown = [(m["type"], m["text"][:25]) for m in history["messages"]]
    assert shown == [
        ("bot", "L'assistant est momentané"),
        ("user", "Je voudrais un essai"),
        ("bot", "L'assistant est momentané"),
        ("bot", "Je ne connais pas ce choi"),
    ]
    assert history["messages"][-1]["buttons"][0]["payload"] == "/check_maintenance"


def test_keeps_conversations_of_different_visitors_apart(client: TestClient, token: str) -> None:
    with chat(client, token) as socket:
        socket.receive_json()
        send_message(socket, "bonjour")
    other = issue_token(client)

    with chat(client, other) as socket:
        assert socket.receive_json()["messages"] == []


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "invalid_json"),
        ("[1, 2]", "invalid_frame"),
        ('{"type": "hello"}', "invalid_frame"),
        ('{"text": "bonjour"}', "invalid_frame"),
        ('{"type": "message"}', "invalid_frame"),
        ('{"type": "message", "text": 42}', "invalid_frame"),
        ('{"type": "message", "text": ""}', "empty_message"),
        ('{"type": "message", "text": "   "}', "empty_message"),
        (json.dumps({"type": "message", "text": "x" * 2001}), "message_too_long"),
        (json.dumps({"type": "message", "text": "x" * 20000}), "frame_too_large"),
        ('{"type": "message", "text": "a\\ud800b"}', "invalid_text"),  # a lone surrogate
    ],
)
def test_answers_a_bad_frame_with_an_error_and_stays_open(
    client: TestClient, token: str, seeded_sqlite_url: str, frame: str, code: str
) -> None:
    with chat(client, token) as socket:
        socket.receive_json()
        socket.send_text(frame)
        error = socket.receive_json()
        assert stored_messages(seeded_sqlite_url) == []

        [answer] = send_message(socket, "toujours là ?")  # the socket still works

    assert error["type"] == "error" and error["code"] == code and error["message"]
    assert answer["type"] == "bot"


def test_answers_a_binary_frame_with_an_error(client: TestClient, token: str) -> None:
    with chat(client, token) as socket:
        socket.receive_json()
        socket.send_bytes(b'{"type": "message", "text": "hi"}')

        assert socket.receive_json()["code"] == "binary_frame"


@pytest.mark.parametrize(
    ("frame", "code", "close_code"),
    [
        ({"type": "auth", "token": "forged-token-0123456789abcdef"}, "invalid_token", 4401),
        ({"type": "auth", "token": ""}, "invalid_token", 4401),
        ({"type": "auth"}, "auth_required", 4400),
        ({"type": "message", "text": "bonjour"}, "auth_required", 4400),
        ({"type": "auth", "token": 42}, "auth_required", 4400),
    ],
)
def test_closes_the_socket_when_the_first_frame_does_not_authenticate(
    client: TestClient, seeded_sqlite_url: str, frame: Any, code: str, close_code: int
) -> None:
    with client.websocket_connect("/ws/chat?lang=en") as socket:
        socket.send_json(frame)
        error = socket.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()

    assert error["type"] == "error" and error["code"] == code
    assert "nothing was stored" in error["message"] or "session" in error["message"]
    assert closed.value.code == close_code
    assert stored_messages(seeded_sqlite_url) == []


def test_closes_the_socket_of_a_widget_that_does_not_authenticate_in_time(
    seeded_sqlite_url: str,
) -> None:
    with (
        web_client(seeded_sqlite_url, widget_auth_seconds=0.2) as client,
        client.websocket_connect("/ws/chat?lang=fr") as socket,
    ):
        error = socket.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()

    assert error["code"] == "auth_timeout" and "rien n'a été enregistré" in error["message"]
    assert closed.value.code == 4408


def test_a_client_id_in_the_url_is_no_credential_any_more(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    legacy = "0b7e2c1a-5f0e-4c7e-9a43-2d7b9d1f6a10"
    with client.websocket_connect(f"/ws/chat?client_id={legacy}&lang=fr") as socket:
        socket.send_json({"type": "message", "text": "bonjour"})
        assert socket.receive_json()["code"] == "auth_required"

    assert stored_messages(seeded_sqlite_url) == []


def test_a_lone_surrogate_is_refused_with_a_frame_that_says_it_was_not_saved(
    client: TestClient, token: str, seeded_sqlite_url: str
) -> None:
    with chat(client, token) as socket:
        socket.receive_json()
        socket.send_text('{"type": "message", "text": "a\\ud800b"}')
        error = socket.receive_json()

    assert error["code"] == "invalid_text"
    assert "n'a pas été enregistré" in error["message"]
    assert "enregistré :" not in error["message"].replace("n'a pas été enregistré :", "")
    assert stored_messages(seeded_sqlite_url) == []
