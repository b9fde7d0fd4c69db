"""Who may read `/metrics` (web app and action server): Prometheus, with the bearer token
PITLANE_METRICS_TOKEN. Unset, `/metrics` answers 404: metrics are never open by default
(docs/operations.md, "Metrics")."""

from __future__ import annotations

import hmac

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

METRICS_PATH = "/metrics"
_PLACEHOLDERS = {"changeme", "change-me", "change_me", "secret", "token", "metrics", "test"}


class MetricsSettings(BaseSettings):
    """PITLANE_METRICS_TOKEN: the bearer token Prometheus sends (16+ characters); unset, the
    metrics are not served."""

    model_config = SettingsConfigDict(env_prefix="PITLANE_", env_file=".env", extra="ignore")

    metrics_token: SecretStr | None = None

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("metrics_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        secret = value.get_secret_value().strip() if value is not None else None
        if secret is not None and (len(secret) < 16 or secret.lower() in _PLACEHOLDERS):
            raise ValueError("PITLANE_METRICS_TOKEN: use a random token of 16+ characters")
        return value


def metrics_refusal(authorization: str | None, token: SecretStr | None) -> tuple[int, str] | None:
    """(status, error) when a scrape carrying the `authorization` header is refused: 404 while
    no token is configured, 401 without a bearer token, 403 with a wrong one."""
    if token is None:
        return 404, "not_found"
    scheme, _, given = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return 401, "missing_metrics_token"
    expected = token.get_secret_value().strip().encode()
    if not hmac.compare_digest(given.strip().encode(), expected):
        return 403, "wrong_metrics_token"
    return None
