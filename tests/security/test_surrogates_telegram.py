"""Lone surrogates in the Telegram webhook's other fields (its text and caption: in
tests/integration/test_telegram.py): a pressed button's data is refused in the chat and not
stored; a PDF's file name is replaced (U+FFFD) and the file kept (it was lost before: the
message stayed "received" with no attachment). The update is accepted either way: Telegram
would retry a refusal."""

from __future__ import annotations

import json
import time

from core.unicode_text import encodable
from tests.integration.telegram_support import SECRET, FakeBotApi, Updates
from tests.integration.test_hub_handoff import FakeRasa
from tests.integration.test_telegram import api, attachments, client, rasa  # noqa: F401
from tests.integration.web_support import stored_messages

PDF = b"%PDF-1.4\n" + bytes(100)


def post(client, update: dict) -> int:  # noqa: F811 (the fixture's name)
    body = json.dumps(update).encode()  # ASCII: "\\ud800" as Telegram would write it
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "content-type": "application/json"}
    return client.post("/webhooks/telegram", content=body, headers=headers).status_code


def settle(api: FakeBotApi, method: str = "answerCallbackQuery") -> None:  # noqa: F811
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not api.sent(method):
        time.sleep(0.05)


def test_a_pressed_button_whose_data_holds_a_surrogate_stores_nothing_broken(
    client,  # noqa: F811
    api: FakeBotApi,  # noqa: F811
    rasa: FakeRasa,  # noqa: F811
    seeded_sqlite_url: str,
) -> None:
    assert post(client, Updates().press("/x\ud800")) == 200
    settle(api, "sendMessage")  # the refusal; the button's answer may come before or after

    stored = stored_messages(seeded_sqlite_url)
    [said] = api.sent("sendMessage")
    assert "n'a pas été enregistré" in said["text"]  # the truth: refused, not stored
    assert [(m.direction, m.text) for m in stored] == [("out", said["text"])]
    assert rasa.messages == []


def test_a_pdf_whose_file_name_holds_a_surrogate_stores_nothing_broken(
    client,  # noqa: F811
    api: FakeBotApi,  # noqa: F811
    rasa: FakeRasa,  # noqa: F811
    seeded_sqlite_url: str,
) -> None:
    api.files["pdf-1"] = PDF
    update = Updates().document("pdf-1", len(PDF), "application/pdf", "devis\udfff.pdf")

    assert post(client, update) == 200
    api.wait_for("sendMessage")

    [stored] = attachments(seeded_sqlite_url)  # the file is kept, its name readable
    assert stored.filename == "devis\ufffd\ufffd\ufffd.pdf" and encodable(stored.filename)
    assert [m.status for m in stored_messages(seeded_sqlite_url) if m.direction == "in"] == [
        "answered"
    ]
