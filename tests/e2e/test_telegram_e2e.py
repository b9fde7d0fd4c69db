"""A full maintenance booking over Telegram: updates posted to /webhooks/telegram with the
secret, inline buttons pressed as callback queries, against the three real processes; the
web app's python-telegram-bot talks to a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from scripts.stack import ROOT, Stack, StackConfig
from tests.e2e.chat import REFERENCE, booking
from tests.e2e.conftest import API_TOKEN, free_port, require_model
from tests.integration.telegram_support import (
    SECRET,
    TOKEN,
    FakeBotApi,
    Updates,
    fake_bot_api,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def api() -> Iterator[FakeBotApi]:
    with fake_bot_api() as server:
        yield server


@pytest.fixture(scope="module")
def telegram_stack(tmp_path_factory, api: FakeBotApi) -> Iterator[Stack]:
    """Rasa, the action server and the web app with the Telegram channel on (webhook mode)."""
    require_model()
    workdir = tmp_path_factory.mktemp("telegram-stack")
    env = {
        "PITLANE_DATABASE_URL": f"sqlite:///{workdir / 'e2e.db'}",
        "PITLANE_API_TOKEN": API_TOKEN,
        "PITLANE_ENV": "development",
        "PITLANE_TELEGRAM_TOKEN": TOKEN,
        "PITLANE_TELEGRAM_WEBHOOK_SECRET": SECRET,
        "PITLANE_TELEGRAM_API_URL": api.api_url,
        "PITLANE_TELEGRAM_FILE_URL": api.file_url,
        "PITLANE_UPLOAD_DIR": str(workdir / "uploads"),
    }
    subprocess.run(
        [sys.executable, "-m", "core.manage", "init"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
    )
    config = StackConfig(
        rasa_port=free_port(),
        actions_port=free_port(),
        web_port=free_port(),
        log_dir=workdir / "log",
        env=env,
    )
    running = Stack(config)
    running.start(announce=lambda line: print(line, file=sys.stderr))
    yield running
    running.stop()


class TelegramCustomer:
    """Posts a user's updates to the webhook and reads what the fake Bot API was sent."""

    def __init__(self, base_url: str, api: FakeBotApi, updates: Updates) -> None:
        self.base_url, self.api, self.updates = base_url, api, updates
        self.replies: list[dict[str, Any]] = []

    def _post(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        before = len(self._mine())
        response = httpx.post(
            f"{self.base_url}/webhooks/telegram",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        self.replies = self._settled(before)
        return self.replies

    def say(self, text: str) -> list[dict[str, Any]]:
        return self._post(self.updates.text(text))

    def press(self, prefix: str) -> list[dict[str, Any]]:
        """Press the first button whose payload (callback data) starts with `prefix`."""
        data = [d for d in self.callback_data if d.startswith(prefix)]
        assert data, f"no button starting with {prefix!r} in {self.callback_data} / {self.text!r}"
        return self._post(self.updates.press(data[0]))

    @property
    def text(self) -> str:
        return "\n".join(r.get("text", "") for r in self.replies)

    @property
    def callback_data(self) -> list[str]:
        rows = [r.get("reply_markup", {}).get("inline_keyboard", []) for r in self.replies]
        return [b["callback_data"] for keyboard in rows for row in keyboard for b in row]

    def _mine(self) -> list[tuple[str, dict[str, Any]]]:
        chat = self.updates.user_id
        return [
            (name, params)
            for name, params in list(self.api.calls)
            if name in ("sendMessage", "sendVenue") and params.get("chat_id") == chat
        ]

    def _settled(self, before: int, timeout: float = 60.0, quiet: float = 1.5) -> list[dict]:
        """The messages sent to this chat since `before`, once none came for `quiet` s."""
        deadline = time.monotonic() + timeout
        count, changed = before, time.monotonic()
        while time.monotonic() < deadline:
            now = len(self._mine())
            if now != count:
                count, changed = now, time.monotonic()
            elif count > before and time.monotonic() - changed >= quiet:
                return [p for name, p in self._mine()[before:] if name == "sendMessage"]
            time.sleep(0.05)
        raise AssertionError(f"no answer on Telegram (sent so far: {self._mine()[before:]})")


def test_a_maintenance_is_booked_over_telegram_with_inline_buttons(
    telegram_stack: Stack, api: FakeBotApi
) -> None:
    base_url = telegram_stack.config.web_url
    customer = TelegramCustomer(base_url, api, Updates(user_id=777001, language_code="fr"))

    refused = httpx.post(f"{base_url}/webhooks/telegram", json=customer.updates.text("x"))
    assert refused.status_code == 403

    customer.say("slt je voudrais verifier l'entretien de ma moto")
    customer.say("une 2019")
    customer.say("mars 2023")  # more than a year ago: slots are offered
    if any(d.startswith('/choose{"agency"') for d in customer.callback_data):
        customer.press('/choose{"agency"')
    customer.press('/choose{"slot_choice"')
    customer.press("/affirm")  # "Confirmer" under the summary
    customer.say("Camille Martin")
    customer.say("0612345678")

    found = REFERENCE.search(customer.text)
    assert found, f"no booking reference in {customer.text!r}"
    booked = booking(base_url, API_TOKEN, found.group(0))
    assert (booked["service"], booked["channel"]) == ("maintenance", "telegram")
    venues = [p for name, p in api.calls if name == "sendVenue" and p["chat_id"] == 777001]
    # the agencies offered (up to three, nearest first), then the one booked
    titles = [v["title"] for v in venues]
    assert 1 <= len(titles) - 1 <= 3 and all("Pitlane" in t for t in titles), titles
    assert titles[-1] == booked["agency_name"]
    assert len([c for c in api.calls if c[0] == "answerCallbackQuery"]) >= 1
