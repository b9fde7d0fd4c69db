"""The settings a process needs to send codes and reminders for real: core's (SMTP) and
Twilio's SMS sender, from PITLANE_* environment variables.

The web app's settings (webapp.settings.WebSettings) carry the same Twilio fields; the action
server, which sends one-time codes, reads them here (it imports nothing of the web app).
"""

from __future__ import annotations

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.config import CoreSettings


class TwilioSmsSettings(BaseSettings):
    """SMS through Twilio: off while the account SID, the auth token or the sender is unset.
    `twilio_api_url` changes only for tests (a fake Twilio REST API)."""

    model_config = SettingsConfigDict(env_prefix="PITLANE_", env_file=".env", extra="ignore")

    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_sms_from: str | None = None
    twilio_api_url: str = "https://api.twilio.com"

    @field_validator("twilio_account_sid", "twilio_auth_token", "twilio_sms_from", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


class TransportSettings(CoreSettings, TwilioSmsSettings):
    """What `transports_from_settings` reads: SMTP (core) and Twilio SMS."""
