"""SSE fan-out benchmark (not a test): N browsers hold the notification stream open, an admin
sends one notification, and the script measures how long it takes to reach the first, the
median, the 95th percentile and the last client.

    .venv/bin/python bench/sse_fanout.py [--clients 1000] [--rounds 3]

It starts the web app (uvicorn, in this process's thread) on a spare port with a throwaway
SQLite database and the demo data; the clients are httpx streams in one asyncio loop. The
clock starts when the admin's POST /api/admin/notifications is sent.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.db import make_engine, make_session_factory  # noqa: E402
from core.manage import migrate  # noqa: E402
from core.seed import DEMO_DATA, load_demo_data  # noqa: E402
from core.uow import uow_factory  # noqa: E402
from tests.integration.web_support import closed_port, served_app, web_settings  # noqa: E402

ADMIN = ("admin@pitlane.example", "admin-demo-2026")


async def client(
    http: httpx.AsyncClient,
    ready: asyncio.Event,
    counter: list[int],
    total: int,
    arrivals: dict[int, list[float]],
    retries: list[int] | None = None,
) -> None:
    """One widget: opens the stream, then records when each notification arrives. Like a
    browser's EventSource, it tries again (up to 3 times, counted in `retries`) when the
    connection breaks before the stream said `: connected`."""
    for attempt in range(4):
        connected = [False]
        try:
            await _stream(http, ready, counter, total, arrivals, connected)
            return
        except httpx.TransportError:
            if connected[0] or attempt == 3:
                raise
            if retries is not None:
                retries[0] += 1
            await asyncio.sleep(0.5 * (attempt + 1))


async def _stream(http, ready, counter, total, arrivals, connected: list[bool]) -> None:
    token = (await http.post("/api/widget/session")).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    ticket = (await http.post("/api/widget/notifications/stream-ticket", headers=auth)).json()
    url = f"/api/widget/notifications/stream?ticket={ticket['ticket']}"
    async with http.stream("GET", url) as answer:
        lines = answer.aiter_lines()
        async for line in lines:
            if line == ": connected":
                connected[0] = True
                counter[0] += 1
                if counter[0] == total:
                    ready.set()
            elif line.startswith("id: "):
                arrivals.setdefault(int(line[4:]), []).append(time.perf_counter())


async def run(base: str, clients: int, rounds: int) -> None:
    limits = httpx.Limits(max_connections=clients + 10, max_keepalive_connections=clients + 10)
    timeout = httpx.Timeout(60.0)
    async with (
        httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as http,
        httpx.AsyncClient(base_url=base, timeout=timeout) as admin,
    ):
        login = await admin.post("/api/staff/login", json={"email": ADMIN[0], "password": ADMIN[1]})
        admin.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        ready = asyncio.Event()
        counter = [0]
        arrivals: dict[int, list[float]] = {}
        started = time.perf_counter()
        tasks = [
            asyncio.create_task(client(http, ready, counter, clients, arrivals))
            for _ in range(clients)
        ]
        await asyncio.wait_for(ready.wait(), 300)
        print(f"{clients} streams open in {time.perf_counter() - started:.1f} s")
        for round_ in range(1, rounds + 1):
            await asyncio.sleep(1.0)
            sent = time.perf_counter()
            answer = await admin.post(
                "/api/admin/notifications", json={"title": f"Bench {round_}", "body": "fan-out"}
            )
            notification_id = answer.json()["id"]
            deadline = sent + 60
            while (
                len(arrivals.get(notification_id, ())) < clients and time.perf_counter() < deadline
            ):
                await asyncio.sleep(0.01)
            got = sorted(t - sent for t in arrivals.get(notification_id, ()))
            if not got:
                print(f"round {round_}: nobody received it")
                continue
            p95 = got[min(len(got) - 1, int(0.95 * len(got)))]
            print(
                f"round {round_}: {len(got)}/{clients} received; first {got[0] * 1000:.0f} ms, "
                f"median {statistics.median(got) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
                f"last {got[-1] * 1000:.0f} ms"
            )
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        migrate(url)
        engine = make_engine(url)
        load_demo_data(
            uow_factory(make_session_factory(engine))(), DEMO_DATA, datetime.now(timezone.utc)
        )
        engine.dispose()
        settings = web_settings(url, f"http://127.0.0.1:{closed_port()}", scheduler=False)
        with served_app(settings) as base:
            asyncio.run(run(base, args.clients, args.rounds))


if __name__ == "__main__":
    main()
