"""`POST /webhooks/rest/webhook`: Rasa's REST format through the hub, and what it refuses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.integration.web_support import (
    REST_AUTH,
    REST_CLIENT,
    REST_TOKEN,
    stored_messages,
    web_client,
)

URL = "/webhooks/rest/webhook"


@pytest.fixture
def client(seeded_sqlite_url: str) -> Iterator[TestClient]:
    with web_client(seeded_sqlite_url) as client:
        yield client


def test_answers_in_rasa_format_and_keeps_the_message_when_rasa_is_down(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    response = client.post(
        URL, json={"sender": "abc-123", "message": "Bonjour", "metadata": {}}, headers=REST_AUTH
    )

    assert response.status_code == 200
    [item] = response.json()
    assert item["recipient_id"] == "abc-123"
    assert item["text"].startswith("L'assistant est momentanément indisponible")
    inbound = stored_messages(seeded_sqlite_url)[0]
    assert (inbound.channel, inbound.external_id, inbound.text) == (
        "rest",
        "test:abc-123",
        "Bonjour",
    )
    assert inbound.status == "failed"


def test_answers_in_english_when_the_metadata_says_so(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    body = {"sender": "en-1", "message": "ok", "metadata": {"language": "en"}}

    [item] = client.post(URL, json=body, headers=REST_AUTH).json()

    assert item["text"].startswith("The assistant is unavailable")
    assert stored_messages(seeded_sqlite_url)[0].language == "en"


def test_stores_an_unknown_payload_and_answers_unknown_choice(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    response = client.post(
        URL, json={"sender": "abc", "message": "/definitely_not_an_intent"}, headers=REST_AUTH
    )

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
    response = client.post(
        URL, content=content, headers={"content-type": "application/json", **REST_AUTH}
    )

    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert stored_messages(seeded_sqlite_url) == []


def test_refuses_a_body_over_16_kib_before_parsing_it(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    big = b'{"sender": "abc", "message": "' + b"x" * 17000 + b'"}'

    response = client.post(URL, content=big, headers=REST_AUTH)

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

    response = client.post(URL, content=chunks(), headers=REST_AUTH)

    assert response.status_code == 413
    assert stored_messages(seeded_sqlite_url) == []


def test_answers_get_with_a_json_405(client: TestClient) -> None:
    response = client.get(URL)

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token-0123456789abcdef"},
        {"Authorization": f"Basic {REST_TOKEN}"},
        {"Authorization": f"Bearer {REST_TOKEN}x"},
        {"Authorization": "Bearer "},
    ],
)
def test_refuses_a_caller_without_a_known_token_and_stores_nothing(
    client: TestClient, seeded_sqlite_url: str, headers: dict[str, str]
) -> None:
    response = client.post(URL, json={"sender": "abc", "message": "Bonjour"}, headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthorized"
    assert stored_messages(seeded_sqlite_url) == []


def test_is_off_without_configured_tokens(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url, rest_webhook_tokens=None) as client:
        body = {"sender": "abc", "message": "Bonjour"}
        response = client.post(URL, json=body, headers=REST_AUTH)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "rest_webhook_off"
    assert stored_messages(seeded_sqlite_url) == []


def test_one_integration_cannot_continue_anothers_conversation(seeded_sqlite_url: str) -> None:
    other_token = "other-token-0123456789abcdef"
    tokens = f"{REST_CLIENT}:{REST_TOKEN},partner:{other_token}"
    with web_client(seeded_sqlite_url, rest_webhook_tokens=tokens) as client:
        mine = client.post(URL, json={"sender": "alice", "message": "un"}, headers=REST_AUTH)
        theirs = client.post(
            URL,
            json={"sender": "alice", "message": "deux"},
            headers={"Authorization": f"Bearer {other_token}"},
        )

    assert mine.status_code == theirs.status_code == 200
    assert mine.json()[0]["recipient_id"] == theirs.json()[0]["recipient_id"] == "alice"
    inbound = [m for m in stored_messages(seeded_sqlite_url) if m.direction == "in"]
    assert {(m.external_id, m.text) for m in inbound} == {
        ("test:alice", "un"),
        ("partner:alice", "deux"),
    }


def test_a_sender_too_long_for_the_callers_namespace_is_refused(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    longest = "a" * (128 - len("test:"))
    fits = client.post(URL, json={"sender": longest, "message": "ok"}, headers=REST_AUTH)
    too_long = client.post(URL, json={"sender": longest + "a", "message": "ok"}, headers=REST_AUTH)

    assert fits.status_code == 200
    assert too_long.status_code == 422
    assert (
        too_long.json()["error"]["message"]
        == f"sender must be 1-{len(longest)} letters, digits or . _ : @ + -"
    )


@pytest.mark.parametrize(
    "value",
    [
        "no-colon-token-0123456789",
        "Bad Name:token-0123456789abcdef",
        "a:short",
        "a:x,a:" + "y" * 20,
    ],
)
def test_a_malformed_token_list_stops_the_app_at_start(value: str) -> None:
    from pydantic import ValidationError

    from webapp.settings import WebSettings

    with pytest.raises(ValidationError, match="PITLANE_REST_WEBHOOK_TOKENS"):
        WebSettings(rest_webhook_tokens=value)


def test_the_callers_address_is_kept_on_the_conversation_not_a_metadata_claim(
    client: TestClient, seeded_sqlite_url: str
) -> None:
    """The limits of one-time codes count the TCP peer (after trusted proxies), never an
    address the caller writes in its metadata (docs/security.md, "One-time codes")."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.pool import NullPool

    from core.models import Conversation

    body = {"sender": "ip-1", "message": "Bonjour", "metadata": {"client_ip": "10.9.9.9"}}
    client.post(URL, json=body, headers=REST_AUTH)
    engine = create_engine(seeded_sqlite_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            address = connection.scalar(
                select(Conversation.client_ip).where(Conversation.external_id == "test:ip-1")
            )
    finally:
        engine.dispose()
    assert address == "testclient"  # Starlette's TestClient peer
