"""The web app's `GET /readyz` reports Rasa and the action server (webapp/neighbours.py)
without failing on them, and fails only when its own database does not answer; `/healthz`
asks nothing (liveness). Rasa and the action server are stand-ins on 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from tests.integration.probe_support import probe_server, rasa_answer
from tests.integration.web_support import closed_port, web_client

RASA_TOKEN = "rasa-secret-0123456789abcdef"


def actions_answer(path: str) -> tuple[int, Any]:
    if path == "/readyz":
        return 200, {"ready": True, "database": True}
    return 401, {"error": "missing_action_token"}


@contextmanager
def neighbours_up(database_url: str) -> Iterator[tuple[Any, list[str], list[str]]]:
    """(a client of the web app, the paths Rasa was asked, those the action server was)."""
    with ExitStack() as stack:
        rasa_url, rasa_asked = stack.enter_context(probe_server(rasa_answer(RASA_TOKEN)))
        actions_url, actions_asked = stack.enter_context(probe_server(actions_answer))
        client = stack.enter_context(
            web_client(database_url, rasa_url, rasa_token=RASA_TOKEN, actions_url=actions_url)
        )
        yield client, rasa_asked, actions_asked


def test_a_replica_is_ready_with_rasa_and_the_action_server_down_and_says_so(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url) as client:  # both on closed ports
        response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "ready": True,
        "database": True,
        "shared": True,
        "rasa": False,
        "actions": False,
    }


def test_it_reports_rasa_with_a_model_and_a_ready_action_server(seeded_sqlite_url: str) -> None:
    with neighbours_up(seeded_sqlite_url) as (client, rasa_asked, actions_asked):
        response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["rasa"] is True and response.json()["actions"] is True
    assert rasa_asked == [f"/status?token={RASA_TOKEN}"]  # Rasa's API wants its token
    assert actions_asked == ["/readyz"]  # open without the action server's token
    for secret in (RASA_TOKEN, "http", "127.0.0.1"):  # no token, no URL
        assert secret not in response.text


def test_rasa_without_a_model_or_with_another_token_is_not_reported_ready(
    seeded_sqlite_url: str,
) -> None:
    with (
        probe_server(rasa_answer(RASA_TOKEN, model_id=None)) as (no_model, _),
        probe_server(rasa_answer("another-token-0123456789")) as (other_token, _),
    ):
        for rasa_url in (no_model, other_token):
            with web_client(seeded_sqlite_url, rasa_url, rasa_token=RASA_TOKEN) as client:
                response = client.get("/readyz")
            assert (response.status_code, response.json()["rasa"]) == (200, False)


def test_a_storm_of_probes_asks_the_neighbours_once(seeded_sqlite_url: str) -> None:
    with neighbours_up(seeded_sqlite_url) as (client, rasa_asked, actions_asked):
        answers = [client.get("/readyz").json() for _ in range(5)]

    assert all(a["rasa"] and a["actions"] for a in answers)
    assert (len(rasa_asked), len(actions_asked)) == (1, 1)  # kept a few seconds


def test_a_neighbour_that_hangs_costs_at_most_the_probe_timeout(seeded_sqlite_url: str) -> None:
    def hanging(path: str) -> tuple[int, Any]:
        time.sleep(3)
        return 200, {"model_id": "late"}

    with (
        probe_server(hanging) as (rasa_url, _),
        probe_server(hanging) as (actions_url, _),
        web_client(seeded_sqlite_url, rasa_url, actions_url=actions_url) as client,
    ):
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert (response.json()["rasa"], response.json()["actions"]) == (False, False)
    assert elapsed < 2.5  # both asked at once, 1 s each at most


def test_the_database_down_makes_the_replica_not_ready_but_still_alive() -> None:
    nowhere = f"postgresql+psycopg://pitlane@127.0.0.1:{closed_port()}/pitlane"
    with web_client(nowhere) as client:
        ready = client.get("/readyz")
        alive = client.get("/healthz")

    assert ready.status_code == 503
    assert ready.json()["ready"] is False and ready.json()["database"] is False
    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
