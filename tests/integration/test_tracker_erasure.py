"""Erasure reaches Rasa: an erased customer's trackers are owed in the erasure's
transaction, with their files deleted, and the scheduler's job erases the trackers through
Rasa's API, retrying while Rasa is down (a fake Rasa HTTP server stands at the edge)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from channels.bus import Bus
from channels.rasa_client import RasaClient
from core import profile
from core.conversations import add_attachment, get_or_create_conversation, record_message
from core.customers import find_customer
from core.db import make_engine, make_session_factory
from core.file_store import FilesystemStore
from core.files import store_upload
from core.models import TrackerErasure, utcnow
from core.tracker_erasure import claim_tracker_erasure, sender_digest
from core.uow import uow_factory
from hub.deps import HubDeps
from hub.tracker_erasure import erase_owed_trackers
from tests.http_stub import StubHandler, serving
from tests.integration.web_support import closed_port, web_client

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TOKEN = "rasa-test-token-0123456789"
CAMILLE_SENDERS = {"web:demo-camille", "telegram:100200300"}


@contextmanager
def fake_rasa(status: int = 200) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Rasa's HTTP API as far as erasure goes: records each request (method, path, query,
    body) and answers `status`."""
    received: list[dict[str, Any]] = []

    class Handler(StubHandler):
        def do_PUT(self) -> None:  # noqa: N802 (http.server's naming)
            length = int(self.headers.get("content-length", "0"))
            url = urlsplit(self.path)
            received.append(
                {
                    "method": "PUT",
                    "path": url.path,
                    "query": parse_qs(url.query),
                    "body": json.loads(self.rfile.read(length) or b"null"),
                }
            )
            self.answer_json(status, {})

    with serving(Handler) as url:
        yield url, received


class Clock:
    def __init__(self, now) -> None:
        self.now = now

    def __call__(self):
        return self.now


def hub_on(uows, rasa_url: str, clock: Clock) -> HubDeps:
    return HubDeps(uow_factory=uows, brain=RasaClient(rasa_url, 2.0, TOKEN), bus=Bus(), clock=clock)


def erasures(uows) -> list[TrackerErasure]:
    with uows() as uow:
        rows = list(uow.session.scalars(select(TrackerErasure).order_by(TrackerErasure.id)))
        uow.session.expunge_all()
        return rows


def erase_camille(uows, now) -> int:
    customer_id = find_customer(uows(), "web", "demo-camille").id
    profile.erase_customer(uows(), customer_id, now)
    return customer_id


def test_erasure_owes_every_tracker_of_the_customer_and_deletes_their_files(
    seeded_uow_factory, now, tmp_path
) -> None:
    chat = get_or_create_conversation(seeded_uow_factory(), "web", "demo-camille").id
    message_id = record_message(
        seeded_uow_factory(), chat, direction="in", sender="customer", text="", status="received"
    )
    path, size = store_upload(PNG, "image/png", FilesystemStore(tmp_path))
    add_attachment(
        seeded_uow_factory(),
        message_id,
        kind="image",
        content_type="image/png",
        storage_path=path,
        size=size,
    )

    erase_camille(seeded_uow_factory, now)

    rows = erasures(seeded_uow_factory)
    assert {row.sender_id for row in rows} == CAMILLE_SENDERS  # each of her channels
    assert all(row.done_at is None and row.attempts == 0 for row in rows)
    assert all(row.requested_at == now and row.next_attempt_at == now for row in rows)
    assert not Path(path).exists()


def test_erasing_an_unknown_customer_owes_nothing(seeded_uow_factory, now) -> None:
    with pytest.raises(profile.NotFound):
        profile.erase_customer(seeded_uow_factory(), 999_999, now)
    assert erasures(seeded_uow_factory) == []


async def test_the_job_retries_while_rasa_is_down_and_marks_done_when_it_answers(
    seeded_uow_factory, now
) -> None:
    erase_camille(seeded_uow_factory, now)
    clock = Clock(now)

    down = hub_on(seeded_uow_factory, f"http://127.0.0.1:{closed_port()}", clock)
    run = await erase_owed_trackers(down)
    assert (run.erased, run.failed) == (0, 2)
    rows = erasures(seeded_uow_factory)
    assert all(r.attempts == 1 and r.done_at is None and r.last_error for r in rows)
    assert all(r.next_attempt_at == now + timedelta(seconds=30) for r in rows)
    assert {r.sender_id for r in rows} == CAMILLE_SENDERS  # still known: still owed

    with fake_rasa(status=500) as (url, received):  # up, but failing
        clock.now = now + timedelta(seconds=10)
        run = await erase_owed_trackers(hub_on(seeded_uow_factory, url, clock))
        assert (run.erased, run.failed) == (0, 0)  # not due yet: Rasa is not hammered
        assert received == []
        clock.now = now + timedelta(seconds=30)
        run = await erase_owed_trackers(hub_on(seeded_uow_factory, url, clock))
        assert (run.erased, run.failed) == (0, 2)
    rows = erasures(seeded_uow_factory)
    assert all(r.attempts == 2 and r.done_at is None for r in rows)
    assert all(r.next_attempt_at == clock.now + timedelta(seconds=60) for r in rows)

    with fake_rasa() as (url, received):
        clock.now = now + timedelta(seconds=90)
        run = await erase_owed_trackers(hub_on(seeded_uow_factory, url, clock))
        assert (run.erased, run.failed) == (2, 0)
        again = await erase_owed_trackers(hub_on(seeded_uow_factory, url, clock))
        assert (again.erased, again.failed) == (0, 0)
    assert sorted(r["path"] for r in received) == [
        "/conversations/telegram:100200300/tracker/events",
        "/conversations/web:demo-camille/tracker/events",
    ]
    assert all(r["body"] == [] and r["query"]["token"] == [TOKEN] for r in received)
    rows = erasures(seeded_uow_factory)
    assert all(r.done_at == clock.now and r.attempts == 3 and r.last_error is None for r in rows)
    # Once erased, only a digest of the sender id (a phone number on WhatsApp) remains.
    assert {r.sender_id for r in rows} == {sender_digest(s) for s in CAMILLE_SENDERS}


def test_concurrent_claims_of_an_erasure_let_exactly_one_through(seeded_uow_factory, now) -> None:
    erase_camille(seeded_uow_factory, now)
    erasure_id = erasures(seeded_uow_factory)[0].id
    barrier = threading.Barrier(8)

    def claim(_: int) -> str | None:
        barrier.wait()
        return claim_tracker_erasure(seeded_uow_factory(), erasure_id, now)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(claim, range(8)))
    assert len([r for r in results if r is not None]) == 1
    assert erasures(seeded_uow_factory)[0].attempts == 1


def test_the_web_apps_scheduler_erases_the_owed_trackers_through_rasa(
    seeded_sqlite_url: str,
) -> None:
    """The running app's scheduler job, against a Rasa that answers, with its token."""
    engine = make_engine(seeded_sqlite_url)
    uows = uow_factory(make_session_factory(engine))
    try:
        erase_camille(uows, utcnow())
        with (
            fake_rasa() as (url, received),
            web_client(
                seeded_sqlite_url, url, scheduler=True, tracker_erasure_seconds=1, rasa_token=TOKEN
            ),
        ):
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and any(
                row.done_at is None for row in erasures(uows)
            ):
                time.sleep(0.2)
        rows = erasures(uows)
        assert rows and all(row.done_at is not None for row in rows)
        assert {r["path"].split("/")[2] for r in received} == CAMILLE_SENDERS
        assert all(r["query"]["token"] == [TOKEN] and r["body"] == [] for r in received)
    finally:
        engine.dispose()
