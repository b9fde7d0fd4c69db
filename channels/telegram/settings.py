"""The Telegram channel's settings, from PITLANE_TELEGRAM_* environment variables (part of
the web app's settings, webapp.settings.WebSettings)."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class TelegramSettings(BaseSettings):
    """No token = the channel is off. Webhook mode needs the secret Telegram sends back in
    X-Telegram-Bot-Api-Secret-Token; polling is for development without a public URL. The
    URLs change only for tests (a fake Bot API)."""

    model_config = SettingsConfigDict(env_prefix="PITLANE_", env_file=".env", extra="ignore")

    telegram_token: SecretStr | None = None
    telegram_mode: Literal["webhook", "polling"] = "webhook"
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str = "https://api.telegram.org/file/bot"

    @field_validator("telegram_token", "telegram_webhook_secret", mode="before")
    @classmethod
    def _blank_secret_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value
