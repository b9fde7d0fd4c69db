"""`WS /ws/chat`: the widget's socket: transcript on connect, frames in and out, bad frames."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.integration.web_support import stored_messages, web_client

CLIENT_ID = "0b7e2c1a-5f0e-4c7e-9a43-2d7b9d1f6a10"


@pytest.fixture
def client(seeded_sqlite_url: str) -> Iterator[TestClient]:
    with web_client(seeded_sqlite_url) as client:
        yield client


def chat_url(client_id: str = CLIENT_ID, lang: str = "fr") -> str:
    return f"/ws/chat?client_id={client_id}&lang={lang}"


def send_message(socket: Any, text: str) -> list[dict[str, Any]]:
    """Send one message frame; return the frames up to the closing 'done'."""
    socket.send_json({"type": "message", "text": text})
    frames = []
    while True:
        frame = socket.receive_json()
        if frame["type"] == "done":
            return frames
        frames.append(frame)


def test_sends_an_empty_history_to_a_new_visitor(client: TestClient) -> None:
    with client.websocket_connect(chat_url()) as socket:
        assert socket.receive_json() == {"type": "history", "messages": []}


def test_answers_unavailable_and_keeps_the_message_when_rasa_is_down(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    with client.websocket_connect(chat_url()) as socket:
        socket.receive_json()
        [frame] = send_message(socket, "Bonjour !")

    assert frame["type"] == "bot"
    assert frame["text"].startswith("L'assistant est momentanément indisponible")
    inbound = stored_messages(seeded_sqlite_url)[0]
    assert (inbound.channel, inbound.external_id, inbound.status) == ("web", CLIENT_ID, "failed")


def test_speaks_english_when_the_widget_says_the_browser_is_english(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    with client.websocket_connect(chat_url(lang="en-US")) as socket:
        socket.receive_json()
        [frame] = send_message(socket, "ok")

    assert frame["text"].startswith("The assistant is unavailable")
    assert stored_messages(seeded_sqlite_url)[0].language == "en"


def test_replays_the_transcript_when_the_widget_reconnects(client: TestClient) -> None:
    with client.websocket_connect(chat_url()) as socket:
        socket.receive_json()
        send_message(socket, "/greet")  # sent by the widget itself: not shown again
        send_message(socket, "Je voudrais un essai")
        send_message(socket, "/definitely_not_an_intent")

    with client.websocket_connect(chat_url()) as socket:
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


def test_keeps_conversations_of_different_visitors_apart(client: TestClient) -> None:
    with client.websocket_connect(chat_url()) as socket:
        socket.receive_json()
        send_message(socket, "bonjour")
    other = "9f1c7a52-0d3e-4b8a-8c51-7e2f4a6b9c01"

    with client.websocket_connect(chat_url(client_id=other)) as socket:
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
    client: TestClient, seeded_sqlite_url: str, frame: str, code: str
) -> None:
    with client.websocket_connect(chat_url()) as socket:
        socket.receive_json()
        socket.send_text(frame)
        error = socket.receive_json()
        assert stored_messages(seeded_sqlite_url) == []

        [answer] = send_message(socket, "toujours là ?")  # the socket still works

    assert error["type"] == "error" and error["code"] == code and error["message"]
    assert answer["type"] == "bot"


def test_answers_a_binary_frame_with_an_error(client: TestClient) -> None:
    with client.websocket_connect(chat_url()) as socket:
        socket.receive_json()
        socket.send_bytes(b'{"type": "message", "text": "hi"}')

        assert socket.receive_json()["code"] == "binary_frame"


@pytest.mark.parametrize("client_id", ["", "not-a-uuid", "../../etc", "x" * 100])
def test_closes_with_a_policy_error_when_the_client_id_is_not_a_uuid(
    client: TestClient, seeded_sqlite_url: str, client_id: str
) -> None:
    with client.websocket_connect(chat_url(client_id=client_id)) as socket:
        assert socket.receive_json()["code"] == "invalid_client_id"
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()

    assert closed.value.code == 1008
    assert stored_messages(seeded_sqlite_url) == []


def test_a_lone_surrogate_is_refused_with_a_frame_that_says_it_was_not_saved(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    with client.websocket_connect(chat_url()) as socket:
        socket.receive_json()
        socket.send_text('{"type": "message", "text": "a\\ud800b"}')
        error = socket.receive_json()

    assert error["code"] == "invalid_text"
    assert "n'a pas été enregistré" in error["message"]
    assert "enregistré :" not in error["message"].replace("n'a pas été enregistré :", "")
    assert stored_messages(seeded_sqlite_url) == []
