"""Settings of the web app (hub, widget, JSON API), from PITLANE_* environment variables."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from channels.telegram.settings import TelegramSettings
from channels.widget_package import DIST_DIR
from core.config import DEV_DOCUMENT_LINK_SECRET, CoreSettings
from core.customer_limits import CustomerLimits
from ops.metrics_access import MetricsSettings
from ops.settings import ErrorReportSettings
from ops.trace_settings import TraceSettings

_CLIENT_NAME = re.compile(r"[a-z0-9_-]{1,32}")
_PLACEHOLDERS = {"", "changeme", "change-me", "change_me", "secret", "token", "xxx", "test"}


class WebSettings(
    CoreSettings, TelegramSettings, ErrorReportSettings, MetricsSettings, TraceSettings
):
    """PITLANE_ENV, PITLANE_RASA_URL, PITLANE_RASA_TIMEOUT, PITLANE_API_TOKEN, PITLANE_PORT...
    Error reports (PITLANE_SENTRY_*): ops/settings.py; metrics (PITLANE_METRICS_TOKEN):
    ops/metrics_access.py; traces (PITLANE_OTLP_ENDPOINT, PITLANE_TRACE_*):
    ops/trace_settings.py."""

    env: Literal["development", "test", "production"] = "development"
    rasa_url: str = "http://127.0.0.1:5005"
    # The action server's base URL: only asked by GET /readyz, which reports its state.
    actions_url: str = "http://127.0.0.1:5055"
    rasa_timeout: float = Field(default=10.0, gt=0, le=120)
    # Shared secret with Rasa: its --auth-token and the hub channel's header
    # (docs/security.md); `make run` generates one per run when unset; required in production.
    rasa_token: SecretStr | None = None
    api_token: SecretStr | None = None
    # The hub's own REST webhook (POST /webhooks/rest/webhook) is for server-side
    # integrations, each with its credential: "name:token,name2:token2". A caller sends
    # `Authorization: Bearer <token>` and its senders live in its own namespace
    # ("<name>:<sender>"), so one integration cannot continue another's conversations. Unset:
    # the webhook is off (403). `make run` and the e2e stack generate one ("dev:<random>").
    rest_webhook_tokens: SecretStr | None = None
    # Swagger UI (/docs) and ReDoc (/redoc) load their scripts from a CDN: off unless
    # PITLANE_API_DOCS=1, and never in production (docs/security.md). /openapi.json stays.
    api_docs: bool = False
    host: str = "127.0.0.1"
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed: comma-separated
    # IPs or networks ("10.0.0.5,172.18.0.0/16"). Empty (the default): the headers are ignored
    # and the client address is the TCP peer's (docs/security.md, "Proxy headers").
    trusted_proxies: str = ""
    port: int = Field(default=8000, ge=1, le=65535)
    # Advisor handoff: how long a request waits for an advisor before it expires, and how
    # often the web app looks for expired requests (seconds).
    handoff_wait_seconds: int = Field(default=600, ge=30, le=86_400)
    handoff_sweep_seconds: float = Field(default=5.0, gt=0, le=300)
    # Several web replicas (docs/scaling.md, "Live events across replicas"): Redis carries the
    # live events between them and the conversation locks, under keys and channels starting
    # with `redis_prefix`. Unset: both stay in this process (one replica; `make run`).
    redis_url: str | None = None
    redis_prefix: str = Field(default="pitlane:", min_length=1, max_length=64)
    # Telegram: channels/telegram/settings.py (PITLANE_TELEGRAM_*).
    # WhatsApp and SMS through Twilio (channels/whatsapp/): no account sid, auth token and
    # WhatsApp sender = the channel is off. Twilio signs its webhooks over the public URL
    # (`public_base_url` + path; the request's own URL when unset). `twilio_api_url`
    # changes only for tests (a fake Twilio REST API).
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_whatsapp_from: str | None = None
    twilio_sms_from: str | None = None
    twilio_api_url: str = "https://api.twilio.com"
    public_base_url: str | None = None
    # Files customers send: upload_store and upload_dir, in core/config.py (the backups read
    # them too).
    # The widget's agency map (Leaflet): the tile server's URL template and its credit line.
    map_tiles_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    map_tiles_attribution: str = "© OpenStreetMap contributors"
    # Reminders and surveys (webapp/scheduler.py): APScheduler in this process, its jobs
    # in the database; off for processes that must not send (workers, most tests). The sync
    # job aligns the jobs with the `reminders` rows every so many seconds.
    scheduler: bool = True
    scheduler_sync_seconds: int = Field(default=60, ge=5, le=3600)
    # One replica leads (webapp/leader.py): it alone runs the scheduler and the handoff
    # sweeper. The others try to take over every so many seconds (PostgreSQL; SQLite's one
    # process always leads).
    leader_retry_seconds: float = Field(default=5.0, gt=0, le=300)
    # Staff accounts (issue 14, item 8; docs/security.md, "Staff accounts"): admins must
    # enrol TOTP two-factor authentication before anything else. Always on in production;
    # off by default in development and test.
    staff_totp_required: bool = False
    # Erasure (issue 14, item 9): how often the scheduler asks Rasa to erase the trackers
    # of erased customers, in seconds; a failure waits 30 s, 60 s... (at most an hour).
    tracker_erasure_seconds: int = Field(default=30, ge=1, le=3600)

    # ---- Customers' rate limits and widget origins (docs/security.md, "Customer rate
    # limits"). How many messages, picture uploads and notification-subscription changes
    # one sender (a conversation's channel + id) and one client IP may make per window of
    # PITLANE_LIMIT_WINDOW_SECONDS, counted in the database (shared by every replica). Over
    # a limit: 429 + Retry-After on HTTP, an error frame on the widget socket, one refusal
    # per window on Telegram/WhatsApp; the message is not stored nor sent to Rasa.
    limit_window_seconds: int = Field(default=60, ge=1, le=3600)
    limit_messages_per_sender: int = Field(default=20, ge=1, le=100_000)
    limit_messages_per_ip: int = Field(default=120, ge=1, le=1_000_000)
    limit_uploads_per_sender: int = Field(default=5, ge=1, le=100_000)
    limit_uploads_per_ip: int = Field(default=20, ge=1, le=1_000_000)
    limit_subscription_changes_per_sender: int = Field(default=5, ge=1, le=100_000)
    limit_subscription_changes_per_ip: int = Field(default=30, ge=1, le=1_000_000)
    limit_sessions_per_ip: int = Field(default=30, ge=1, le=1_000_000)
    # Sites allowed to make the widget's state-changing requests (subscription switch,
    # uploads, REST messages from a browser): comma-separated origins
    # ("https://www.dealer.example,https://dealer.example"). The app's own origin always
    # is; a browser request from any other origin gets 403 `forbidden_origin`.
    widget_origins: str = ""
    # The built widget package (make widget, docs/widget.md): /widget.js and the versioned
    # files with their integrity; when it holds no build, /widget.js is the server's join.
    widget_dist: Path = DIST_DIR

    @property
    def customer_limits(self) -> CustomerLimits:
        return CustomerLimits(
            window_seconds=self.limit_window_seconds,
            messages_per_sender=self.limit_messages_per_sender,
            messages_per_ip=self.limit_messages_per_ip,
            uploads_per_sender=self.limit_uploads_per_sender,
            uploads_per_ip=self.limit_uploads_per_ip,
            subscription_changes_per_sender=self.limit_subscription_changes_per_sender,
            subscription_changes_per_ip=self.limit_subscription_changes_per_ip,
            sessions_per_ip=self.limit_sessions_per_ip,
        )

    @property
    def widget_origin_list(self) -> frozenset[str]:
        return frozenset(
            item.strip().rstrip("/").lower()
            for item in self.widget_origins.split(",")
            if item.strip()
        )

    # The widget's credential (docs/security.md, "The widget credential"): a socket must send
    # its token in the first frame within `widget_auth_seconds`; a notification stream ticket
    # lives `widget_ticket_seconds`. The legacy upgrade lets a browser of the old widget keep
    # its conversation once (its made-up client_id, first claim wins); turn it off once the
    # old widgets have come back (a few weeks), or at once if access logs holding client_ids
    # may have leaked (whoever has such a log could claim a conversation first).
    widget_legacy_upgrade: bool = True
    widget_auth_seconds: float = Field(default=5.0, gt=0, le=60)
    widget_ticket_seconds: int = Field(default=60, ge=5, le=600)

    @property
    def docs_served(self) -> bool:
        return self.api_docs and self.env != "production"

    @property
    def totp_required_for_admins(self) -> bool:
        return self.staff_totp_required or self.env == "production"

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [item.strip() for item in self.trusted_proxies.split(",") if item.strip()]

    @property
    def rest_webhook_clients(self) -> dict[str, str]:
        """token -> integration name, from PITLANE_REST_WEBHOOK_TOKENS (checked at load)."""
        raw = self.rest_webhook_tokens.get_secret_value() if self.rest_webhook_tokens else ""
        pairs = (item.strip().partition(":") for item in raw.split(",") if item.strip())
        return {token: name for name, _, token in pairs}

    @field_validator("rest_webhook_tokens")
    @classmethod
    def _rest_clients(cls, value: SecretStr | None) -> SecretStr | None:
        raw = value.get_secret_value() if value else ""
        names: set[str] = set()
        for item in (item.strip() for item in raw.split(",") if item.strip()):
            name, colon, token = item.partition(":")
            if not colon or not _CLIENT_NAME.fullmatch(name):
                raise ValueError(
                    "PITLANE_REST_WEBHOOK_TOKENS: name:token pairs, names of 1-32 a-z 0-9 _ -"
                )
            if len(token) < 16 or token.lower() in _PLACEHOLDERS:
                raise ValueError(f"PITLANE_REST_WEBHOOK_TOKENS: {name}'s token is too short")
            if name in names:
                raise ValueError(f"PITLANE_REST_WEBHOOK_TOKENS: {name} is given twice")
            names.add(name)
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("PITLANE_REDIS_URL must start with redis://, rediss:// or unix://")
        return value.strip()

    @field_validator("rasa_url", "actions_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("PITLANE_RASA_URL and PITLANE_ACTIONS_URL start with http(s)://")
        return value.rstrip("/")

    @field_validator(
        "api_token",
        "rasa_token",
        "rest_webhook_tokens",
        "twilio_account_sid",
        "twilio_auth_token",
        "twilio_whatsapp_from",
        "twilio_sms_from",
        "public_base_url",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("twilio_api_url", "public_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return None if value is None else value.rstrip("/")

    @model_validator(mode="after")
    def _no_placeholder_secret_in_production(self) -> WebSettings:
        token = self.api_token.get_secret_value() if self.api_token else None
        placeholder = token is not None and (token.lower() in _PLACEHOLDERS or len(token) < 16)
        if self.env == "production" and placeholder:
            raise ValueError("PITLANE_API_TOKEN is a placeholder: set a random token")
        if self.env == "production" and self.rasa_token is None:
            raise ValueError("PITLANE_RASA_TOKEN is not set: set a random token (Rasa's too)")
        # issue 16: the customers' document links
        link_secret = self.document_link_secret.get_secret_value()
        if self.env == "production" and (
            link_secret == DEV_DOCUMENT_LINK_SECRET or len(link_secret) < 32
        ):
            raise ValueError("PITLANE_DOCUMENT_LINK_SECRET: set a random secret of 32+ characters")
        return self
