"""`POST /webhooks/rest/webhook`: Rasa's REST format through the hub, and what it refuses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.integration.web_support import stored_messages, web_client

URL = "/webhooks/rest/webhook"


@pytest.fixture
def client(seeded_sqlite_url: str) -> Iterator[TestClient]:
    with web_client(seeded_sqlite_url) as client:
        yield client


def test_answers_in_rasa_format_and_keeps_the_message_when_rasa_is_down(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    response = client.post(URL, json={"sender": "abc-123", "message": "Bonjour", "metadata": {}})

    assert response.status_code == 200
    [item] = response.json()
    assert item["recipient_id"] == "abc-123"
    assert item["text"].startswith("L'assistant est momentanément indisponible")
    inbound = stored_messages(seeded_sqlite_url)[0]
    assert (inbound.channel, inbound.external_id, inbound.text) == ("rest", "abc-123", "Bonjour")
    assert inbound.status == "failed"


def test_answers_in_english_when_the_metadata_says_so(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    body = {"sender": "en-1", "message": "ok", "metadata": {"language": "en"}}

    [item] = client.post(URL, json=body).json()

    assert item["text"].startswith("The assistant is unavailable")
    assert stored_messages(seeded_sqlite_url)[0].language == "en"


def test_stores_an_unknown_payload_and_answers_unknown_choice(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    response = client.post(URL, json={"sender": "abc", "message": "/definitely_not_an_intent"})

    assert response.status_code == 200
    [item] = response.json()
    assert item["text"].startswith("Je ne connais pas ce choix")
    assert {"title": "Nous contacter", "payload": "/contact_info"} in item["buttons"]
    assert [m.status for m in stored_messages(seeded_sqlite_url)] == ["answered", "sent"]


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"", 400, "invalid_json"),
        (b"\xff\xfe", 400, "invalid_json"),
        (b"[" * 5000 + b"]" * 5000, 400, "invalid_json"),
        (b'["sender", "message"]', 422, "invalid_request"),
        (b'{"message": "hi"}', 422, "invalid_request"),
        (b'{"sender": "abc"}', 422, "invalid_request"),
        (b'{"sender": 42, "message": "hi"}', 422, "invalid_request"),
        (b'{"sender": "abc", "message": ["hi"]}', 422, "invalid_request"),
        (b'{"sender": "abc", "message": "hi", "metadata": "fr"}', 422, "invalid_request"),
        (b'{"sender": "", "message": "hi"}', 422, "invalid_sender"),
        (b'{"sender": "a b", "message": "hi"}', 422, "invalid_sender"),
        (b'{"sender": "<script>", "message": "hi"}', 422, "invalid_sender"),
        (b'{"sender": "' + b"a" * 129 + b'", "message": "hi"}', 422, "invalid_sender"),
        (b'{"sender": "abc", "message": ""}', 422, "empty_message"),
        (b'{"sender": "abc", "message": "  \\n\\t "}', 422, "empty_message"),
        (b'{"sender": "abc", "message": "' + b"x" * 2001 + b'"}', 422, "message_too_long"),
        # a lone surrogate (issue 14, item 5): was a 500 and a reset connection
        (b'{"sender": "abc", "message": "a\\ud800b"}', 400, "invalid_text"),
        (b'{"sender": "abc", "message": "\\udfff"}', 400, "invalid_text"),
        (
            b'{"sender": "abc", "message": "hi", "metadata": {"language": "\\ud800"}}',
            400,
            "invalid_text",
        ),
    ],
)
def test_refuses_a_bad_request_clearly_and_stores_nothing(
    client: TestClient, seeded_sqlite_url: str, content: bytes, status: int, code: str
) -> None:
    response = client.post(URL, content=content, headers={"content-type": "application/json"})

    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert stored_messages(seeded_sqlite_url) == []


def test_refuses_a_body_over_16_kib_before_parsing_it(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    big = b'{"sender": "abc", "message": "' + b"x" * 17000 + b'"}'

    response = client.post(URL, content=big)

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert stored_messages(seeded_sqlite_url) == []


def test_refuses_a_chunked_body_over_16_kib_without_a_length(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"sender": "abc", "message": "'
        for _ in range(40):
            yield b"x" * 1024
        yield b'"}'

    response = client.post(URL, content=chunks())

    assert response.status_code == 413
    assert stored_messages(seeded_sqlite_url) == []


def test_answers_get_with_a_json_405(client: TestClient) -> None:
    response = client.get(URL)

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_the_callers_address_is_kept_on_the_conversation_not_a_metadata_claim(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    """The limits of one-time codes count the TCP peer (after trusted proxies), never an
    address the caller writes in its metadata (docs/security.md, "One-time codes")."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.pool import NullPool

    from core.models import Conversation

    body = {"sender": "ip-1", "message": "Bonjour", "metadata": {"client_ip": "10.9.9.9"}}
    client.post(URL, json=body)
    engine = create_engine(seeded_sqlite_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            address = connection.scalar(
                select(Conversation.client_ip).where(Conversation.external_id == "ip-1")
            )
    finally:
        engine.dispose()
    assert address == "testclient"  # Starlette's TestClient peer
