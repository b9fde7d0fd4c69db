"""The traces' settings, shared by the web app's and the action server's Settings."""

from __future__ import annotations

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class TraceSettings(BaseSettings):
    """PITLANE_OTLP_ENDPOINT (or the standard OTEL_EXPORTER_OTLP_ENDPOINT; traces are off
    while both are unset), PITLANE_TRACE_SAMPLE_RATIO, PITLANE_TRACE_EXPORT_DELAY_MS."""

    model_config = SettingsConfigDict(
        env_prefix="PITLANE_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # An OTLP/HTTP collector's base URL ("http://tempo:4318"; traces go to .../v1/traces)
    # or its full traces URL (ending in /v1/traces).
    otlp_endpoint: str | None = Field(
        default=None,
        validation_alias=AliasChoices("PITLANE_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"),
    )
    # The share of customer messages and requests traced (a trace started elsewhere, as the
    # actions' from the hub, follows its parent's decision).
    trace_sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    # How long finished spans wait to be sent together (milliseconds).
    trace_export_delay_ms: int = Field(default=5000, ge=10, le=60_000)

    @field_validator("otlp_endpoint", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("otlp_endpoint")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("PITLANE_OTLP_ENDPOINT must start with http:// or https://")
        return value

    @property
    def otlp_traces_url(self) -> str | None:
        """Where the spans are posted: the endpoint's /v1/traces (None: traces are off)."""
        if self.otlp_endpoint is None:
            return None
        base = self.otlp_endpoint.rstrip("/")
        return base if base.endswith("/v1/traces") else base + "/v1/traces"
