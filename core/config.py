"""Settings of the core package, from environment variables (prefix PITLANE_)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.db import PoolSizes
from core.otp_limits import DEFAULT_LIMITS, Limits

DEV_DOCUMENT_LINK_SECRET = "development-only-document-link-secret"


class CoreSettings(BaseSettings):
    """Where the data lives and which time zone the customers live in."""

    model_config = SettingsConfigDict(env_prefix="PITLANE_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///var/pitlane.db"
    # SQLAlchemy's connection pool per process (PostgreSQL; SQLite ignores them): connections
    # kept open, extra ones opened under load, seconds a request waits for one before failing.
    # Size them against PostgreSQL's max_connections: docs/scaling.md, "Database connections".
    db_pool_size: int = Field(default=5, ge=1, le=1000)
    db_max_overflow: int = Field(default=5, ge=0, le=1000)
    db_pool_timeout: float = Field(default=30.0, gt=0, le=600)
    timezone: str = "Europe/Paris"
    # Files customers send (pictures, documents, voice notes), core/file_store.py:
    # "filesystem" (the default) writes them under `upload_dir`, outside the web root (with
    # several replicas, only if they share that directory); "database" keeps them in the
    # database (at most 10 MiB each), where every replica reads them. The backups
    # (core/backup.py) archive `upload_dir` beside the database.
    upload_store: Literal["filesystem", "database"] = "filesystem"
    upload_dir: str = "var/uploads"
    # E-mail of one-time codes (transports/smtp.py): no host = codes go to the development
    # outbox (/staff/outbox). STARTTLS upgrades the connection before logging in.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "Pitlane <no-reply@pitlane.example>"
    smtp_starttls: bool = True
    # --- One-time codes across conversations (core/otp_limits.py, docs/security.md): the
    # free allowances of codes sent, wrong codes and vehicle lookups per vehicle, contact, IP
    # and sender are multiplied by this scale (1 in production; the e2e stack raises it so
    # that its many conversations from 127.0.0.1 with one demo vehicle are not slowed).
    otp_limit_scale: float = Field(default=1.0, ge=1, le=1_000_000)
    # --- Customers' document links (core/signed_links.py, issue 16): the HMAC secret and
    # how long a link opens its PDF. The default is for development only: production
    # refuses it (webapp/settings.py).
    document_link_secret: SecretStr = SecretStr(DEV_DOCUMENT_LINK_SECRET)
    document_link_days: int = Field(default=7, ge=1, le=365)
    # The web app's public URL ("https://pitlane.example.com"): the document links the bot
    # gives are absolute from it (core/booking_documents.py). Unset: relative links, which
    # only the widget served by the same web app can open (development). The web app's
    # Twilio signature check reads it too (webapp/settings.py).
    public_base_url: str | None = None

    @property
    def document_link_ttl(self) -> timedelta:
        return timedelta(days=self.document_link_days)

    @property
    def pool(self) -> PoolSizes:
        return PoolSizes(self.db_pool_size, self.db_max_overflow, self.db_pool_timeout)

    def otp_limits(self) -> Limits:
        return DEFAULT_LIMITS.scaled(self.otp_limit_scale)

    @field_validator("smtp_host", "smtp_user", "smtp_password", mode="before")
    @classmethod
    def _blank_smtp_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("public_base_url", mode="before")
    @classmethod
    def _public_base_url(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str):
            if not value.startswith(("http://", "https://")):
                raise ValueError("must start with http:// or https://")
            return value.rstrip("/")
        return value

    @field_validator("document_link_secret", mode="before")
    @classmethod
    def _blank_link_secret_is_default(cls, value: object) -> object:
        blank = isinstance(value, str) and not value.strip()
        return DEV_DOCUMENT_LINK_SECRET if blank else value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value
