"""What the hub adds to a message's latency by itself: the web app (`python -m webapp`) in
front of a stand-in for Rasa that answers at once, against that stand-in straight, one
message after the other (one conversation), on SQLite and, when it answers, PostgreSQL, side
by side in one run. Prints p50 and p95 of both and the difference: the hub's own time
(HTTP, storage, limits, locks, routing), without Rasa's thinking or its variance.

    .venv/bin/python bench/hub_overhead.py [--messages 400] [--postgres URL]

The stand-in answers the hub's webhook with one text and two buttons, on its own thread
with Nagle's algorithm off and one write per answer (so no 40 ms delayed-ACK wait is
measured). The texts are those of bench/conversations.py, a new sender for each script.
The databases are throwaway ones (a temporary SQLite file; a PostgreSQL database created
and dropped on the server of `--postgres`, by default $PITLANE_BENCH_POSTGRES_URL or the
local one). `bench/chat_load.py` measures the same difference with the real Rasa.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.conversations import SCRIPTS  # noqa: E402
from bench.throwaway_db import both_databases  # noqa: E402

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REST_TOKEN = uuid.uuid4().hex + uuid.uuid4().hex
ANSWER = json.dumps(
    [
        {
            "recipient_id": "bench",
            "text": "Bonjour ! Que puis-je faire pour vous ?",
            "buttons": [
                {"title": "Entretien", "payload": "/check_maintenance"},
                {"title": "Essai", "payload": "/book_test_ride"},
            ],
        }
    ]
).encode()


class InstantRasa(BaseHTTPRequestHandler):
    """Answers every POST with ANSWER and `GET /status` with a model, at once."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 65536  # headers and body leave in one write, flushed after the request

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("content-length", "0")))
        self._send(ANSWER)

    def do_GET(self) -> None:  # noqa: N802
        self._send(b'{"model_id": "bench"}')

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def instant_rasa() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), InstantRasa)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def web_app(database_url: str, rasa_url: str, workdir: str) -> Iterator[str]:
    """`python -m webapp` on a free port, its database migrated, its log in `workdir`."""
    port = free_port()
    env = {
        **os.environ,
        "PITLANE_DATABASE_URL": database_url,
        "PITLANE_RASA_URL": rasa_url,
        "PITLANE_REST_WEBHOOK_TOKENS": f"bench:{REST_TOKEN}",
        "PITLANE_HOST": "127.0.0.1",
        "PITLANE_PORT": str(port),
        "PITLANE_ENV": "development",
        "PITLANE_LOG_LEVEL": "WARNING",
        "PITLANE_LIMIT_MESSAGES_PER_SENDER": "100000",
        "PITLANE_LIMIT_MESSAGES_PER_IP": "100000",
    }
    for command in ("create-db", "init"):
        subprocess.run(
            [sys.executable, "-m", "core.manage", command],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    log = open(Path(workdir) / f"web-{port}.log", "w")  # noqa: SIM115 - closed below
    web = subprocess.Popen(
        [sys.executable, "-m", "webapp"], env=env, cwd=ROOT, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise SystemExit(f"the web app did not start: {log.name}")
        yield base
    finally:
        web.terminate()
        web.wait(timeout=20)
        log.close()


def timed(send: Callable[[str, str], httpx.Response], count: int) -> list[float]:
    """`count` messages of SCRIPTS, one after the other; each one's seconds."""
    texts = [(f"bench-{n}-{uuid.uuid4().hex[:8]}", t) for n, s in enumerate(SCRIPTS) for t in s]
    seconds = []
    for index in range(count):
        sender, text_ = texts[index % len(texts)]
        started = time.perf_counter()
        send(sender, text_).raise_for_status()
        seconds.append(time.perf_counter() - started)
    return seconds


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def measure(database_url: str, messages: int, workdir: str) -> str:
    with (
        instant_rasa() as rasa,
        web_app(database_url, rasa, workdir) as hub,
        httpx.Client(timeout=30) as client,
    ):
        headers = {"Authorization": f"Bearer {REST_TOKEN}"}

        def via_hub(sender: str, text_: str) -> httpx.Response:
            body = {"sender": sender, "message": text_}
            return client.post(f"{hub}/webhooks/rest/webhook", json=body, headers=headers)

        def straight(sender: str, text_: str) -> httpx.Response:
            body = {"sender": sender, "message": text_}
            return client.post(f"{rasa}/webhooks/pitlane/webhook", json=body)

        timed(via_hub, 40)  # warm-up: connections, caches, the first conversations
        hub_seconds = timed(via_hub, messages)
        rasa_seconds = timed(straight, messages)
    hub50, rasa50 = percentile(hub_seconds, 0.5), percentile(rasa_seconds, 0.5)
    return (
        f"  hub      p50 {hub50:6.2f} ms, p95 {percentile(hub_seconds, 0.95):6.2f} ms\n"
        f"  stand-in p50 {rasa50:6.2f} ms, p95 {percentile(rasa_seconds, 0.95):6.2f} ms\n"
        f"  the hub adds {hub50 - rasa50:.2f} ms at the median"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument(
        "--postgres", default=os.environ.get("PITLANE_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    args = parser.parse_args()
    for name, url, workdir in both_databases(args.postgres):
        print(f"{name}, {args.messages} messages, one conversation at a time:")
        print(measure(url, args.messages, workdir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
