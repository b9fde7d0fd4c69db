"""Proxy headers are believed only from PITLANE_TRUSTED_PROXIES (docs/security.md)."""

from __future__ import annotations

from webapp.__main__ import uvicorn_options
from webapp.settings import WebSettings


def test_uvicorn_never_applies_forwarded_headers_itself() -> None:
    options = uvicorn_options(WebSettings(trusted_proxies="10.0.0.5"))

    assert options["proxy_headers"] is False
    assert "forwarded_allow_ips" not in options


def test_no_proxy_is_trusted_by_default() -> None:
    assert WebSettings(trusted_proxies="").trusted_proxy_list == []


def test_trusted_proxies_are_a_comma_separated_list_of_addresses_and_networks() -> None:
    settings = WebSettings(trusted_proxies=" 10.0.0.5, 172.18.0.0/16 ,")

    assert settings.trusted_proxy_list == ["10.0.0.5", "172.18.0.0/16"]
