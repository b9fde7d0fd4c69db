"""Settings of the web app (hub, widget, JSON API), from PITLANE_* environment variables."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from core.config import CoreSettings

_PLACEHOLDERS = {"", "changeme", "change-me", "change_me", "secret", "token", "xxx", "test"}


class WebSettings(CoreSettings):
    """PITLANE_ENV, PITLANE_RASA_URL, PITLANE_RASA_TIMEOUT, PITLANE_API_TOKEN, PITLANE_PORT..."""

    env: Literal["development", "test", "production"] = "development"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_timeout: float = Field(default=10.0, gt=0, le=120)
    api_token: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Advisor handoff: how long a request waits for an advisor before it expires, and how
    # often the web app looks for expired requests (seconds).
    handoff_wait_seconds: int = Field(default=600, ge=30, le=86_400)
    handoff_sweep_seconds: float = Field(default=5.0, gt=0, le=300)

    @field_validator("rasa_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("PITLANE_RASA_URL must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("api_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _no_placeholder_secret_in_production(self) -> WebSettings:
        token = self.api_token.get_secret_value() if self.api_token else None
        placeholder = token is not None and (token.lower() in _PLACEHOLDERS or len(token) < 16)
        if self.env == "production" and placeholder:
            raise ValueError("PITLANE_API_TOKEN is a placeholder: set a random token")
        return self
