"""The action server's probes (actions/health.py) on its real Sanic app, served on a free
local port inside the test's event loop: open without the token, `/readyz` 503 when the
actions' database does not answer while `/healthz` stays 200, every other route still
guarded. (sanic-testing, Sanic's own test client, needs an httpx older than ours.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sanic import Sanic

from actions.serve import OPEN_PATHS, TOKEN_HEADER, secured_app
from core.config import CoreSettings
from core.uow import uow_from_settings
from tests.integration.web_support import closed_port

TOKEN = "action-secret-0123456789abcdef"


@pytest.fixture(autouse=True)
def several_apps_of_one_name(monkeypatch) -> None:
    """rasa-sdk names every app "rasa_sdk"; Sanic refuses a second one outside test mode."""
    monkeypatch.setattr(Sanic, "test_mode", True)


@asynccontextmanager
async def served(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    uow = uow_from_settings(CoreSettings(_env_file=None, database_url=database_url))
    app = secured_app(TOKEN, uow=uow)
    port = closed_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    await server.startup()
    await server.start_serving()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield client
    finally:
        await server.close()


def answers(database_url: str, *paths: str, headers: dict | None = None) -> list:
    async def ask() -> list:
        async with served(database_url) as client:
            return [await client.get(path, headers=headers) for path in paths]

    return asyncio.run(ask())


def test_both_probes_answer_without_the_token_when_the_database_does(tmp_path) -> None:
    health, ready, webhook = answers(
        f"sqlite:///{tmp_path / 'actions.db'}", "/healthz", "/readyz", "/actions"
    )

    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (200, {"ready": True, "database": True})
    assert webhook.status_code == 401  # the rest still wants the token
    assert {"/healthz", "/readyz"} <= OPEN_PATHS


def test_readiness_fails_and_liveness_holds_when_the_database_does_not_answer() -> None:
    nowhere = f"postgresql+psycopg://pitlane:pw-123@127.0.0.1:{closed_port()}/pitlane"
    health, ready = answers(nowhere, "/healthz", "/readyz")

    assert health.status_code == 200
    assert (ready.status_code, ready.json()) == (503, {"ready": False, "database": False})
    assert "pw-123" not in ready.text and "127.0.0.1" not in ready.text


def test_the_token_changes_nothing_for_the_probes(tmp_path) -> None:
    [ready] = answers(f"sqlite:///{tmp_path / 'a.db'}", "/readyz", headers={TOKEN_HEADER: "x"})
    assert ready.status_code == 200  # a wrong token is not even looked at
