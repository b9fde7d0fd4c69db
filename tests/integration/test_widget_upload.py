"""`POST /api/chat/upload`: the widget's pictures. Only images (by their bytes), 10 MiB, a
known visitor; stored outside the web root under random names, recorded with one inbound
message, and the bot's turn runs with the `attachments` metadata. The widget's token comes as
`Authorization: Bearer` (channels/widget_auth.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from core.files import MAX_UPLOAD_BYTES
from core.models import Attachment
from tests.integration.web_support import (
    local_http_server,
    served_app,
    stored_messages,
    web_client,
    web_settings,
)
from tests.integration.widget_support import authenticated_socket, customer_key, issue_token

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e226059b0000000049454e44ae426082"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(500)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(500)  # a Windows program
ANSWER = [{"recipient_id": "x", "text": "Merci, j'ai bien reçu la photo."}]


@pytest.fixture
def rasa() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    with local_http_server(ANSWER) as server:
        yield server


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def client(seeded_sqlite_url: str, rasa, uploads: Path) -> Iterator[TestClient]:
    with web_client(seeded_sqlite_url, rasa[0], upload_dir=str(uploads)) as client:
        yield client


def visit(client: TestClient) -> str:
    """The widget gets its token (kept as the client's Bearer header) and opens its socket
    first: that opens the visitor's conversation."""
    token = issue_token(client)
    client.headers["Authorization"] = f"Bearer {token}"
    with authenticated_socket(client, "/ws/chat", token) as socket:
        socket.receive_json()
    return token


def served_token(url: str) -> dict[str, str]:
    """The Bearer header of a new widget token from a served app."""
    token = httpx.post(f"{url}/api/widget/session").json()["token"]
    return {"Authorization": f"Bearer {token}"}


def upload(client: TestClient, *files: tuple[str, bytes, str], **fields: str):
    data = dict(fields)
    parts = [("file", file) for file in files]
    return client.post("/api/chat/upload", data=data, files=parts)


def stored_attachments(database_url: str) -> list[Any]:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(Attachment.__table__)).all())
    finally:
        engine.dispose()


def files_in(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*")) if directory.exists() else []


def test_a_picture_is_stored_recorded_and_answered_with_the_attachments_metadata(
    client: TestClient, rasa, uploads: Path, seeded_sqlite_url: str
) -> None:
    token = visit(client)

    response = upload(client, ("moto.png", PNG, "image/png"), text="le bruit vient d'ici")

    assert response.status_code == 200
    assert response.json()["messages"] == [{"type": "bot", "text": ANSWER[0]["text"]}]
    [attachment] = stored_attachments(seeded_sqlite_url)
    assert (attachment.kind, attachment.content_type, attachment.size) == (
        "image",
        "image/png",
        len(PNG),
    )
    assert attachment.filename == "moto.png"
    [stored] = files_in(uploads)
    assert Path(attachment.storage_path) == stored.resolve()
    assert stored.read_bytes() == PNG and "moto" not in stored.name  # a random name
    assert rasa[1][-1]["message"] == "le bruit vient d'ici"
    assert rasa[1][-1]["metadata"]["attachments"] == [
        {"id": attachment.id, "kind": "image", "content_type": "image/png"}
    ]
    inbound = [m for m in stored_messages(seeded_sqlite_url) if m.direction == "in"]
    assert [(m.channel, m.external_id, m.text) for m in inbound] == [
        ("web", customer_key(seeded_sqlite_url, token), "le bruit vient d'ici")
    ]


def test_several_pictures_without_a_caption_make_one_message_with_each_attachment(
    client: TestClient, rasa, seeded_sqlite_url: str
) -> None:
    visit(client)

    response = upload(
        client, ("a.png", PNG, "image/png"), ("b.jpg", JPEG, "application/octet-stream")
    )

    assert response.status_code == 200
    sent = rasa[1][-1]
    assert sent["message"] == "[photo]"
    assert [a["content_type"] for a in sent["metadata"]["attachments"]] == [
        "image/png",
        "image/jpeg",
    ]
    ids = {a.id for a in stored_attachments(seeded_sqlite_url)}
    assert {a["id"] for a in sent["metadata"]["attachments"]} == ids


def test_a_program_renamed_as_a_picture_is_refused_and_nothing_is_stored(
    client: TestClient, rasa, uploads: Path, seeded_sqlite_url: str
) -> None:
    visit(client)

    response = upload(client, ("photo.jpg", EXE, "image/jpeg"))

    assert response.status_code == 415
    error = response.json()["error"]
    assert error["code"] == "file_type_not_allowed"
    assert "n'est pas une image" in error["message"]
    assert files_in(uploads) == [] and stored_attachments(seeded_sqlite_url) == []
    assert stored_messages(seeded_sqlite_url) == [] and rasa[1] == []


def test_one_bad_file_among_good_ones_refuses_the_whole_upload(
    client: TestClient, uploads: Path, seeded_sqlite_url: str
) -> None:
    visit(client)

    response = upload(client, ("a.png", PNG, "image/png"), ("b.pdf", b"%PDF-1.7 x", "image/png"))

    assert response.status_code == 415
    assert files_in(uploads) == [] and stored_attachments(seeded_sqlite_url) == []


def test_a_file_over_10_mib_is_refused_and_nothing_is_stored(
    client: TestClient, uploads: Path, seeded_sqlite_url: str
) -> None:
    visit(client)
    big = PNG + bytes(MAX_UPLOAD_BYTES)

    response = upload(client, ("big.png", big, "image/png"), lang="en")

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    assert files_in(uploads) == [] and stored_messages(seeded_sqlite_url) == []


@pytest.mark.parametrize(
    ("lang", "words"), [("fr", "trop long"), ("en", "too long")], ids=["fr", "en"]
)
def test_a_caption_over_2000_characters_is_refused_in_the_visitors_language(
    client: TestClient, uploads: Path, seeded_sqlite_url: str, lang: str, words: str
) -> None:
    visit(client)

    response = upload(client, ("a.png", PNG, "image/png"), text="a" * 2001, lang=lang)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "message_too_long"
    assert words in error["message"].lower()
    assert files_in(uploads) == [] and stored_messages(seeded_sqlite_url) == []


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(
    seeded_sqlite_url: str, rasa, uploads: Path
) -> None:
    settings = web_settings(seeded_sqlite_url, rasa[0], upload_dir=str(uploads))
    with served_app(settings) as url:
        auth = served_token(url)["Authorization"]
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as connection:
            connection.sendall(
                b"POST /api/chat/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: multipart/form-data; boundary=xyz\r\n"
                + f"Authorization: {auth}\r\n".encode()
                + f"Content-Length: {64 * 1024 * 1024}\r\n\r\n".encode()
            )  # headers only: the answer must not wait for 64 MiB
            status_line = connection.recv(4096).split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 413")
    assert files_in(uploads) == []


def test_a_streamed_body_without_a_length_is_cut_once_it_passes_the_limit(
    seeded_sqlite_url: str, rasa, uploads: Path
) -> None:
    settings = web_settings(seeded_sqlite_url, rasa[0], upload_dir=str(uploads))

    def chunks() -> Iterator[bytes]:
        yield b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'
        yield PNG
        for _ in range(12):
            yield bytes(1024 * 1024)

    with served_app(settings) as url:
        headers = {"content-type": "multipart/form-data; boundary=xyz", **served_token(url)}
        response = httpx.post(f"{url}/api/chat/upload", content=chunks(), headers=headers)
    assert response.status_code == 413
    assert files_in(uploads) == []


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "token_required"),
        ({"Authorization": "Bearer forged-token-0123456789abcdef"}, 401, "invalid_token"),
        ({"Authorization": "Basic eDp5"}, 401, "token_required"),
        ("fresh", 404, "unknown_visitor"),  # a valid token whose widget never opened its socket
    ],
)
def test_a_missing_invalid_or_unknown_visitor_is_refused(
    client: TestClient, uploads: Path, seeded_sqlite_url: str, headers: Any, status, code
) -> None:
    visit(client)
    del client.headers["Authorization"]
    if headers == "fresh":
        headers = {"Authorization": f"Bearer {issue_token(client)}"}

    response = client.post(
        "/api/chat/upload", headers=headers, files=[("file", ("a.png", PNG, "image/png"))]
    )

    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert files_in(uploads) == [] and stored_messages(seeded_sqlite_url) == []


def test_a_request_without_a_file_or_not_multipart_is_refused(client: TestClient) -> None:
    visit(client)

    fields_only = {"text": (None, "x")}  # multipart, no file
    no_file = client.post("/api/chat/upload", files=fields_only)
    as_json = client.post("/api/chat/upload", json={"text": "x"})

    assert (no_file.status_code, no_file.json()["error"]["code"]) == (422, "missing_file")
    assert as_json.status_code == 415


def test_when_the_bot_is_down_the_picture_and_message_are_kept(
    seeded_sqlite_url: str, uploads: Path
) -> None:
    with web_client(seeded_sqlite_url, upload_dir=str(uploads)) as client:  # Rasa unreachable
        visit(client)
        response = upload(client, ("moto.png", PNG, "image/png"))

    assert response.status_code == 200
    assert "indisponible" in response.json()["messages"][0]["text"]
    [inbound] = [m for m in stored_messages(seeded_sqlite_url) if m.direction == "in"]
    assert inbound.status == "failed"  # kept, visible to staff
    assert len(stored_attachments(seeded_sqlite_url)) == 1 and len(files_in(uploads)) == 1
