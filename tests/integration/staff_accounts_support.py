"""Helpers for the staff-accounts tests (imported, not a conftest): the outbox's reset
links, the TOTP secret of an account, forms posted with their CSRF token."""

from __future__ import annotations

import re

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from core.models import OutboxMessage, StaffUser

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def form_csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the form carries a csrf_token field"
    return match.group(1)


def reset_links(database_url: str, email: str) -> list[str]:
    """The tokens of the reset links e-mailed to `email` (development outbox), oldest first."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            bodies = connection.scalars(
                select(OutboxMessage.body)
                .where(OutboxMessage.destination == email)
                .order_by(OutboxMessage.id)
            ).all()
    finally:
        engine.dispose()
    return [m for body in bodies for m in re.findall(r"/staff/login/reset\?token=(\S+)", body)]


def totp_secret(database_url: str, email: str) -> str | None:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(StaffUser.totp_secret).where(StaffUser.email == email))
    finally:
        engine.dispose()


def enrol_totp(client: TestClient, database_url: str, email: str) -> tuple[str, list[str]]:
    """Enrol the signed-in `email` through the pages; (secret, recovery codes)."""
    page = client.get("/staff/account/totp", headers=HTML)
    assert page.status_code == 200, page.text
    started = client.post(
        "/staff/account/totp/start", data={"csrf_token": form_csrf(page.text)}, headers=HTML
    )
    assert started.status_code == 200 and 'data-console="totp-qr"' in started.text
    secret = totp_secret(database_url, email)
    assert secret and secret in started.text
    confirmed = client.post(
        "/staff/account/totp",
        data={"csrf_token": form_csrf(started.text), "code": pyotp.TOTP(secret).now()},
        headers=HTML,
    )
    assert confirmed.status_code == 200, confirmed.text
    codes = re.findall(r'<code class="token">([0-9a-f-]+)</code>', confirmed.text)
    assert len(codes) == 10
    return secret, codes


def page_login(client: TestClient, email: str, password: str):  # noqa: ANN201
    """The password step of the sign-in form; its answer."""
    page = client.get("/staff/login", headers=HTML)
    return client.post(
        "/staff/login",
        data={"csrf_token": form_csrf(page.text), "email": email, "password": password},
        headers=HTML,
        follow_redirects=False,
    )


def page_code(client: TestClient, code_page: str, code: str):  # noqa: ANN201
    """The code step of the sign-in form; its answer."""
    return client.post(
        "/staff/login/code",
        data={"csrf_token": form_csrf(code_page), "code": code},
        headers=HTML,
        follow_redirects=False,
    )
