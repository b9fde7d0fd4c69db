"""`GET /api/bookings` (staff session or bearer token, filters, local times with offsets) and
`GET /healthz` and `/readyz` (more in test_readiness.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tests.integration.staff_web_support import ADMIN, ADVISOR, login
from tests.integration.web_support import API_TOKEN, closed_port, web_client

URL = "/api/bookings"
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def client(seeded_sqlite_url: str) -> Iterator[TestClient]:
    with web_client(seeded_sqlite_url) as client:
        yield client


def test_lists_bookings_with_local_times_and_their_utc_offset(client: TestClient) -> None:
    response = client.get(URL, headers=AUTH)

    assert response.status_code == 200
    bookings = response.json()
    assert bookings, "the demo data has bookings"
    for booking in bookings:
        assert {"reference", "service", "agency", "start", "end", "customer", "status"} <= set(
            booking
        )
        start = datetime.fromisoformat(booking["start"])
        assert start.utcoffset() == start.astimezone(PARIS).utcoffset()
        assert booking["start"][-6:] in ("+01:00", "+02:00")
        assert datetime.fromisoformat(booking["end"]) > start


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {API_TOKEN}"},
        {"Authorization": API_TOKEN},
        {"Authorization": "Bearer "},
    ],
)
def test_refuses_a_missing_or_wrong_token(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get(URL, headers=headers)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "unauthorized"


def test_refuses_anonymous_callers_when_no_token_is_configured(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url, api_token=None) as client:
        for headers in ({}, AUTH, {"Authorization": "Bearer "}):
            response = client.get(URL, headers=headers)
            assert response.status_code == 401
            assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("who", [ADVISOR, ADMIN])
def test_lets_a_signed_in_staff_user_read_the_bookings(
    seeded_sqlite_url: str, who: tuple[str, str]
) -> None:
    with web_client(seeded_sqlite_url, api_token=None) as client:
        login(client, who)
        response = client.get(URL)

    assert response.status_code == 200
    assert response.json()


def test_accepts_an_api_token_created_by_an_admin_and_only_that_one(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url, api_token=None) as client:
        csrf = login(client, ADMIN)
        created = client.post(
            "/api/admin/tokens", json={"name": "nightly export"}, headers={"X-CSRF-Token": csrf}
        )
        token = created.json()["token"]
        client.cookies.clear()  # the script has no session, only its token

        good = client.get(URL, headers={"Authorization": f"Bearer {token}"})
        bad = client.get(URL, headers={"Authorization": f"Bearer {token}x"})

    assert created.status_code == 201 and created.json()["name"] == "nightly export"
    assert good.status_code == 200 and good.json()
    assert bad.status_code == 401


def test_a_wrong_bearer_token_is_refused_even_with_a_staff_session(client: TestClient) -> None:
    login(client)

    response = client.get(URL, headers={"Authorization": "Bearer wrong-token"})

    assert response.status_code == 401


def test_filters_by_service_and_agency(client: TestClient) -> None:
    every = client.get(URL, headers=AUTH).json()
    service, agency = every[0]["service"], every[0]["agency"]

    by_service = client.get(URL, headers=AUTH, params={"service": service}).json()
    by_agency = client.get(URL, headers=AUTH, params={"agency": agency}).json()
    by_both = client.get(URL, headers=AUTH, params={"service": service, "agency": agency}).json()

    assert by_service == [b for b in every if b["service"] == service]
    assert by_agency == [b for b in every if b["agency"] == agency]
    assert by_both == [b for b in every if (b["service"], b["agency"]) == (service, agency)]
    assert every[0] in by_both
    assert client.get(URL, headers=AUTH, params={"agency": "nowhere"}).json() == []


def test_filters_by_local_dates_and_date_times(client: TestClient) -> None:
    every = client.get(URL, headers=AUTH).json()
    first_start = datetime.fromisoformat(every[0]["start"])
    first_day = first_start.date().isoformat()

    same_day = client.get(URL, headers=AUTH, params={"from": first_day, "to": first_day}).json()
    after_first = client.get(
        URL, headers=AUTH, params={"from": (first_start + timedelta(minutes=1)).isoformat()}
    ).json()
    before_first = client.get(URL, headers=AUTH, params={"to": first_start.isoformat()}).json()

    assert every[0] in same_day
    assert all(datetime.fromisoformat(b["start"]).date() == first_start.date() for b in same_day)
    assert every[0] not in after_first and after_first
    assert before_first == []  # `to` is exclusive


def test_reads_an_unencoded_plus_offset_and_a_z_suffix(client: TestClient) -> None:
    plus = client.get(f"{URL}?from=2020-01-01T00:00:00+01:00", headers=AUTH)
    zulu = client.get(URL, headers=AUTH, params={"from": "2020-01-01T00:00:00Z"})

    assert plus.status_code == zulu.status_code == 200
    assert plus.json() == zulu.json() == client.get(URL, headers=AUTH).json()


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "yesterday"}, "invalid_from"),
        ({"from": "2025-13-01"}, "invalid_from"),
        ({"to": "2025-11-31"}, "invalid_to"),
        ({"to": "9999-12-31"}, "invalid_to"),
        ({"from": "2025-11-20", "to": "2025-11-10"}, "invalid_range"),
        ({"service": "x" * 100}, "invalid_request"),
    ],
)
def test_refuses_invalid_filters_with_a_clear_422(
    client: TestClient, params: dict[str, str], code: str
) -> None:
    response = client.get(URL, headers=AUTH, params=params)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_checks_the_token_before_the_filters(client: TestClient) -> None:
    assert client.get(URL, params={"from": "nonsense"}).status_code == 401


def test_health_says_ok_and_readiness_that_the_database_answers(client: TestClient) -> None:
    health, ready = client.get("/healthz"), client.get("/readyz")

    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert ready.status_code == 200 and ready.json()["database"] is True


def test_readiness_says_no_when_the_database_does_not_answer() -> None:
    nowhere = f"postgresql+psycopg://pitlane@127.0.0.1:{closed_port()}/pitlane"
    with web_client(nowhere) as client:
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["ready"] is False and response.json()["database"] is False
