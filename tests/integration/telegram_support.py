"""A fake Telegram Bot API on 127.0.0.1 for the Telegram tests (integration and e2e), and
Telegram updates as Telegram would post them. The real python-telegram-bot code talks to it
through `base_url` / `base_file_url`; every call is recorded."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from tests.http_stub import StubHandler, serving

TOKEN = "123456:TEST-token_for-the-fake-api"
SECRET = "test-webhook-secret_0123456789"
BOT_ID = 123456


@dataclass
class FakeBotApi:
    """Answers Bot API methods like Telegram; `failures[method]` holds (status, description,
    parameters) answers to give first; `files[file_id]` the bytes getFile serves."""

    url: str = ""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    failures: dict[str, list[tuple[int, str, dict[str, Any]]]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))

    @property
    def api_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def file_url(self) -> str:
        return f"{self.url}/file/bot"

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The calls of `method` once there are at least `count` of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.sent(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"{count} {method} calls expected, got {self.sent(method)}")

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        failing = self.failures.get(method)
        if failing:
            status, description, parameters = failing.pop(0)
            body = {"ok": False, "error_code": status, "description": description}
            return status, {**body, "parameters": parameters} if parameters else body
        return 200, {"ok": True, "result": self._result(method, params)}

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Pitlane",
                "username": "pitlane_bot",
            }
        if method in ("sendMessage", "sendVenue"):
            message = {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
            }
            if method == "sendMessage":
                message["text"] = params["text"]
            return message
        if method == "getFile":
            file_id = params["file_id"]
            data = self.files.get(file_id, b"")
            return {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "file_size": len(data),
                "file_path": f"files/{file_id}",
            }
        if method == "getUpdates":  # a long poll that ends with nothing new
            time.sleep(0.2)
            return []
        return True  # answerCallbackQuery, setWebhook, deleteWebhook, ...


@contextmanager
def fake_bot_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi()

    class Handler(StubHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("content-length", "0"))
            raw = self.rfile.read(length).decode()
            path = unquote(self.path)
            method = path.rsplit("/", 1)[-1]
            if not path.startswith(f"/bot{TOKEN}/"):
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            params = _params(raw, self.headers.get("content-type", ""))
            api.calls.append((method, params))
            self._reply(*api.answer(method, params))

        def do_GET(self) -> None:  # noqa: N802
            prefix, path = f"/file/bot{TOKEN}/files/", unquote(self.path)
            if not path.startswith(prefix) or path[len(prefix) :] not in api.files:
                self.answer(404)
                return
            api.downloads.append(path[len(prefix) :])
            self.answer(200, api.files[path[len(prefix) :]])

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            self.answer_json(status, body)

    with serving(Handler) as url:
        api.url = url
        yield api


def _params(raw: str, content_type: str) -> dict[str, Any]:
    """python-telegram-bot posts form fields whose complex values are JSON."""
    if "json" in content_type:
        return json.loads(raw or "{}")
    params: dict[str, Any] = {}
    for key, value in parse_qsl(raw):
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


# ------------------------------------------------------------------ updates


class Updates:
    """Builds the updates Telegram posts for one user."""

    _update_ids = itertools.count(int(time.time() * 1000))  # unique per bot, as Telegram's

    def __init__(self, user_id: int = 4242, language_code: str | None = "fr") -> None:
        self.user_id = user_id
        self.language_code = language_code
        self._ids = Updates._update_ids
        self._messages = itertools.count(1)

    def user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": "Camille"}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def _message(self, **fields: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._messages),
            "date": int(time.time()),
            "chat": {"id": self.user_id, "type": "private", "first_name": "Camille"},
            "from": self.user(),
            **fields,
        }

    def text(self, text: str) -> dict[str, Any]:
        return {"update_id": next(self._ids), "message": self._message(text=text)}

    def press(self, data: str) -> dict[str, Any]:
        """A pressed inline button of a message the bot sent."""
        query = {
            "id": f"cbq-{next(self._ids)}",
            "from": self.user(),
            "chat_instance": "ci-1",
            "data": data,
            "message": {
                "message_id": 999,
                "date": int(time.time()),
                "chat": {"id": self.user_id, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Pitlane"},
                "text": "…",
            },
        }
        return {"update_id": next(self._ids), "callback_query": query}

    def photo(self, file_id: str, size: int, caption: str | None = None) -> dict[str, Any]:
        sizes = [
            {"file_id": f"{file_id}-small", "file_unique_id": "s", "width": 90, "height": 90},
            {
                "file_id": file_id,
                "file_unique_id": "b",
                "width": 800,
                "height": 600,
                "file_size": size,
            },
        ]
        fields: dict[str, Any] = {"photo": sizes}
        if caption:
            fields["caption"] = caption
        return {"update_id": next(self._ids), "message": self._message(**fields)}

    def document(self, file_id: str, size: int, mime_type: str, name: str) -> dict[str, Any]:
        document = {
            "file_id": file_id,
            "file_unique_id": "d",
            "file_name": name,
            "mime_type": mime_type,
            "file_size": size,
        }
        return {"update_id": next(self._ids), "message": self._message(document=document)}

    def location(self, latitude: float, longitude: float) -> dict[str, Any]:
        where = {"latitude": latitude, "longitude": longitude}
        return {"update_id": next(self._ids), "message": self._message(location=where)}


def post_update(post: Callable[..., Any], update: dict[str, Any], secret: str | None = SECRET):
    """POST one update to /webhooks/telegram (with the secret header unless None)."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return post("/webhooks/telegram", json=update, headers=headers)
