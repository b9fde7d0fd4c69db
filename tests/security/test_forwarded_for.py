"""X-Forwarded-For and X-Forwarded-Proto believed only from a configured proxy
(PITLANE_TRUSTED_PROXIES), as a matrix of (trusted proxies, peer, headers).

Already in tests/integration/test_web_staff_auth.py: an untrusted peer with no proxy
configured, and a trusted peer named exactly. Added here: a proxy list that does not hold
the peer, 127.0.0.1 (uvicorn's old default) not trusted unless listed, a trusted network
(CIDR), a client-written address in front of the proxy's, the scheme header, the sign-in form.
The per-IP throttle is the witness: 5 failures from one address, then 429. The customers'
per-IP message limit (REST webhook) is held to the same matrix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.staff_web_support import ADVISOR
from tests.integration.test_hub_handoff import fake_rasa
from tests.integration.web_support import REST_AUTH, closed_port, web_settings
from webapp.main import create_app

WRONG = {"email": ADVISOR[0], "password": "wrong-password"}
THROTTLED = [401] * 5 + [429]
NOT_THROTTLED = [401] * 6


@contextmanager
def client_from(database_url: str, peer: str, trusted: str) -> Iterator[TestClient]:
    """The app with PITLANE_TRUSTED_PROXIES=`trusted`, called from the address `peer`."""
    rasa = f"http://127.0.0.1:{closed_port()}"
    app = create_app(web_settings(database_url, rasa, trusted_proxies=trusted))
    with TestClient(app, client=(peer, 40000)) as client:
        yield client


def rotating(index: int) -> str:
    return f"198.51.100.{index + 1}"


CASES = [
    # (trusted proxies, peer, X-Forwarded-For of attempt i, expected statuses)
    pytest.param("", "127.0.0.1", rotating, THROTTLED, id="none-trusted-loopback-ignored"),
    pytest.param("10.0.0.1", "127.0.0.1", rotating, THROTTLED, id="peer-not-listed-ignored"),
    pytest.param("10.0.0.0/8", "192.0.2.10", rotating, THROTTLED, id="peer-outside-network"),
    pytest.param("127.0.0.1", "127.0.0.1", rotating, NOT_THROTTLED, id="listed-peer-believed"),
    pytest.param("10.0.0.0/8", "10.1.2.3", rotating, NOT_THROTTLED, id="network-believed"),
    pytest.param(
        "10.0.0.0/8",
        "10.1.2.3",
        lambda i: "203.0.113.9",
        THROTTLED,
        id="believed-one-client-throttled",
    ),
    pytest.param(
        "10.0.0.0/8",
        "10.1.2.3",
        lambda i: f"{rotating(i)}, 203.0.113.9",  # the client wrote the first, the proxy the last
        THROTTLED,
        id="client-written-prefix-ignored",
    ),
]


@pytest.mark.parametrize(("trusted", "peer", "forwarded", "expected"), CASES)
def test_the_login_throttle_counts_the_address_only_a_trusted_proxy_may_name(
    seeded_sqlite_url: str, trusted: str, peer: str, forwarded: Any, expected: list[int]
) -> None:
    with client_from(seeded_sqlite_url, peer, trusted) as client:
        statuses = [
            client.post(
                "/api/staff/login", json=WRONG, headers={"X-Forwarded-For": forwarded(i)}
            ).status_code
            for i in range(6)
        ]

    assert statuses == expected


@pytest.mark.parametrize(
    ("trusted", "secure"), [("", False), ("10.0.0.0/8", True)], ids=["untrusted", "trusted"]
)
def test_x_forwarded_proto_makes_the_cookie_secure_only_from_a_trusted_proxy(
    seeded_sqlite_url: str, trusted: str, secure: bool
) -> None:
    with client_from(seeded_sqlite_url, "10.1.2.3", trusted) as client:
        response = client.post(
            "/api/staff/login",
            json={"email": ADVISOR[0], "password": ADVISOR[1]},
            headers={"X-Forwarded-Proto": "https"},
        )

    assert response.status_code == 200
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith("pitlane_staff=")
    )
    assert ("secure" in cookie.lower()) is secure


def test_the_sign_in_form_is_throttled_on_the_real_peer_whatever_the_header(
    seeded_sqlite_url: str,
) -> None:
    with client_from(seeded_sqlite_url, "127.0.0.1", "") as client:
        statuses = []
        for index in range(6):
            page = client.get("/staff/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token, "the sign-in form carries its token"
            answer = client.post(
                "/staff/login",
                data={**WRONG, "csrf_token": token.group(1)},
                headers={"X-Forwarded-For": rotating(index)},
                follow_redirects=False,
            )
            statuses.append(answer.status_code)

    assert statuses == THROTTLED


# The customers' limits (docs/security.md, "Customer rate limits") count the same address:
# 3 messages per IP here, each from its own REST sender so that only the IP limit can refuse.
IP_LIMITED = [200] * 3 + [429]
IP_NOT_LIMITED = [200] * 4
CUSTOMER_CASES = [
    pytest.param("", "127.0.0.1", rotating, IP_LIMITED, id="none-trusted-ignored"),
    pytest.param("10.0.0.1", "192.0.2.10", rotating, IP_LIMITED, id="untrusted-peer-ignored"),
    pytest.param("10.0.0.0/8", "10.1.2.3", rotating, IP_NOT_LIMITED, id="trusted-peer-believed"),
    pytest.param(
        "10.0.0.0/8", "10.1.2.3", lambda i: "203.0.113.9", IP_LIMITED, id="believed-one-client"
    ),
]


@pytest.mark.parametrize(("trusted", "peer", "forwarded", "expected"), CUSTOMER_CASES)
def test_the_customers_ip_limit_counts_the_address_only_a_trusted_proxy_may_name(
    seeded_sqlite_url: str, trusted: str, peer: str, forwarded: Any, expected: list[int]
) -> None:
    limits = {"limit_messages_per_ip": 3, "limit_messages_per_sender": 100}
    with fake_rasa() as rasa:
        app = create_app(
            web_settings(seeded_sqlite_url, rasa.url, trusted_proxies=trusted, **limits)
        )
        with TestClient(app, client=(peer, 40000)) as client:
            statuses = [
                client.post(
                    "/webhooks/rest/webhook",
                    json={"sender": f"shop-{i}", "message": "bonjour"},
                    headers={**REST_AUTH, "X-Forwarded-For": forwarded(i)},
                ).status_code
                for i in range(4)
            ]

    assert statuses == expected
