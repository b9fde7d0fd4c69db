"""The error reports' settings, shared by the web app's and the action server's Settings."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ErrorReportSettings(BaseSettings):
    """PITLANE_SENTRY_DSN (reports are off while unset), PITLANE_SENTRY_ENVIRONMENT (the
    process's PITLANE_ENV when unset), PITLANE_SENTRY_RELEASE (the SDK's guess when unset)."""

    model_config = SettingsConfigDict(env_prefix="PITLANE_", env_file=".env", extra="ignore")

    sentry_dsn: SecretStr | None = None
    sentry_environment: str | None = Field(default=None, max_length=64)
    sentry_release: str | None = Field(default=None, max_length=200)

    @field_validator("sentry_dsn", "sentry_environment", "sentry_release", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("sentry_dsn")
    @classmethod
    def _dsn_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("http://", "https://")):
            raise ValueError("PITLANE_SENTRY_DSN must start with https:// (or http://)")
        return value

    def error_report_environment(self, env: str) -> str:
        """The environment reports are filed under: PITLANE_SENTRY_ENVIRONMENT, else `env`."""
        return self.sentry_environment or env
