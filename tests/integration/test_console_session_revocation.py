"""A staff member's open console closes at once when their session ends (issue 14, item 8):
deactivated, signed out, password or two-factor reset; on the replica that ended it or on
another one sharing the database and the bus. Real uvicorn servers, real WebSockets."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from backoffice.auth import COOKIE
from core import staff_reset
from tests.integration.replicas_support import served_replicas, share_bus
from tests.integration.staff_accounts_support import HTML, form_csrf
from tests.integration.staff_web_support import ADMIN, ADVISOR, staff_id, units_of_work
from tests.integration.web_support import closed_port, web_client, web_settings
from webapp.main import create_app

CLOSE_WITHIN = 2.0  # seconds; the heartbeat alone would take up to 30
SESSION_ENDED = 4401


def _app(database_url: str):  # noqa: ANN202 (a FastAPI app)
    return create_app(web_settings(database_url, f"http://127.0.0.1:{closed_port()}"))


async def _sign_in(base: str, who: tuple[str, str]) -> httpx.AsyncClient:
    """A client of `base` signed in as `who` (its CSRF token in its headers)."""
    client = httpx.AsyncClient(base_url=base, timeout=10)
    answer = await client.post("/api/staff/login", json={"email": who[0], "password": who[1]})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


@asynccontextmanager
async def _console(base: str, client: httpx.AsyncClient) -> AsyncIterator:
    """The console socket of `client`'s session on `base`, once its first snapshots came."""
    url = base.replace("http://", "ws://", 1) + "/ws/console"
    cookie = {"Cookie": f"{COOKIE}={client.cookies[COOKIE]}"}
    async with websockets.connect(url, extra_headers=cookie) as socket:
        kinds = {json.loads(await socket.recv())["type"] for _ in range(2)}
        assert kinds == {"queue", "mine"}  # subscribed: the snapshots follow the subscription
        yield socket


async def _closed(socket, within: float = CLOSE_WITHIN) -> tuple[int | None, str, float]:  # noqa: ANN001
    """Wait for the server to close `socket`: (close code, reason, seconds it took)."""
    started = time.monotonic()

    async def until_closed() -> None:
        with contextlib.suppress(ConnectionClosed):
            async for _frame in socket:
                pass

    await asyncio.wait_for(until_closed(), within)
    return socket.close_code, socket.close_reason, time.monotonic() - started


async def _still_open(socket) -> bool:  # noqa: ANN001
    """The socket answers a heartbeat (its session was checked and is valid)."""
    await socket.send(json.dumps({"type": "heartbeat"}))
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), CLOSE_WITHIN))
        if frame["type"] == "heartbeat":
            return True


def test_deactivating_an_advisor_closes_each_of_their_open_consoles_at_once(
    seeded_sqlite_url: str,
) -> None:
    advisor_id = staff_id(seeded_sqlite_url, ADVISOR[0])

    async def scenario(base: str) -> None:
        admin = await _sign_in(base, ADMIN)
        laptop, phone = await _sign_in(base, ADVISOR), await _sign_in(base, ADVISOR)
        async with _console(base, laptop) as first, _console(base, phone) as second:
            answer = await admin.post(f"/api/staff/accounts/{advisor_id}/deactivate")
            assert answer.status_code == 200, answer.text
            for socket in (first, second):
                code, reason, _took = await _closed(socket)
                assert (code, reason) == (SESSION_ENDED, "session_ended")
        for client in (admin, laptop, phone):
            await client.aclose()

    with served_replicas(_app(seeded_sqlite_url)) as (base,):
        asyncio.run(scenario(base))


def test_a_replica_closes_the_console_when_another_replica_deactivates_the_advisor(
    seeded_sqlite_url: str,
) -> None:
    advisor_id = staff_id(seeded_sqlite_url, ADVISOR[0])
    first, second = _app(seeded_sqlite_url), _app(seeded_sqlite_url)
    share_bus(first, second)  # one database, one bus: two replicas

    async def scenario(console_base: str, admin_base: str) -> None:
        advisor = await _sign_in(console_base, ADVISOR)
        admin = await _sign_in(admin_base, ADMIN)
        async with _console(console_base, advisor) as socket:
            answer = await admin.post(f"/api/staff/accounts/{advisor_id}/deactivate")
            assert answer.status_code == 200, answer.text
            code, reason, took = await _closed(socket)
        assert (code, reason) == (SESSION_ENDED, "session_ended") and took < CLOSE_WITHIN
        await advisor.aclose()
        await admin.aclose()

    with served_replicas(first, second) as (console_base, admin_base):
        asyncio.run(scenario(console_base, admin_base))


def test_signing_out_closes_that_sessions_console_and_leaves_the_others_open(
    seeded_sqlite_url: str,
) -> None:
    async def scenario(base: str) -> None:
        laptop, phone = await _sign_in(base, ADVISOR), await _sign_in(base, ADVISOR)
        async with _console(base, laptop) as leaving, _console(base, phone) as staying:
            assert (await laptop.post("/api/staff/logout")).status_code == 204
            code, _reason, _took = await _closed(leaving)
            assert code == SESSION_ENDED
            assert await _still_open(staying)
        await laptop.aclose()
        await phone.aclose()

    with served_replicas(_app(seeded_sqlite_url)) as (base,):
        asyncio.run(scenario(base))


@pytest.mark.parametrize("how", ["team_page", "totp_reset", "password_reset_link"])
def test_every_way_of_ending_an_advisors_sessions_closes_their_console_at_once(
    seeded_sqlite_url: str, how: str
) -> None:
    advisor_id = staff_id(seeded_sqlite_url, ADVISOR[0])

    async def end_sessions(base: str, admin: httpx.AsyncClient) -> None:
        if how == "team_page":
            csrf = admin.headers["X-CSRF-Token"]
            answer = await admin.post(
                f"/staff/admin/team/{advisor_id}/deactivate",
                data={"csrf_token": csrf},
                headers=HTML,
            )
        elif how == "totp_reset":
            answer = await admin.delete(f"/api/staff/accounts/{advisor_id}/totp")
        else:  # the advisor's own reset link, used from another browser
            with units_of_work(seeded_sqlite_url) as new_uow:
                link = staff_reset.request_password_reset(
                    new_uow(), email=ADVISOR[0], client_ip="203.0.113.9", now=_now()
                )
            assert link is not None
            async with httpx.AsyncClient(base_url=base, timeout=10) as browser:
                page = await browser.get(f"/staff/login/reset?token={link.token}", headers=HTML)
                new_password = "a-brand-new-password-2026"
                fields = {
                    "csrf_token": form_csrf(page.text),
                    "token": link.token,
                    "password": new_password,
                    "password_confirm": new_password,
                }
                answer = await browser.post("/staff/login/reset", data=fields, headers=HTML)
        assert answer.status_code == 200, answer.text

    async def scenario(base: str) -> None:
        admin, advisor = await _sign_in(base, ADMIN), await _sign_in(base, ADVISOR)
        async with _console(base, advisor) as socket:
            await end_sessions(base, admin)
            code, _reason, _took = await _closed(socket)
        assert code == SESSION_ENDED
        await admin.aclose()
        await advisor.aclose()

    with served_replicas(_app(seeded_sqlite_url)) as (base,):
        asyncio.run(scenario(base))


def test_the_sign_in_page_says_the_session_ended_in_the_staffs_language(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        french = client.get("/staff/login?ended=1", headers=HTML)
        english = client.get(
            "/staff/login?ended=1", headers={**HTML, "Accept-Language": "en-GB,en;q=0.9"}
        )
        plain = client.get("/staff/login", headers=HTML)

    assert french.status_code == 200 and "Votre session a pris fin" in french.text
    assert "Your session has ended" in english.text
    assert 'data-console="alert"' not in plain.text


def _now() -> datetime:
    return datetime.now(timezone.utc)
