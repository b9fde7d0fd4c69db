"""The action server as Pitlane starts it: rasa-sdk's app, on loopback unless told otherwise,
refusing every call that lacks the secret Rasa sends (rasa_project/endpoints.yml).

    PITLANE_ACTION_SERVER_TOKEN=... python -m actions.serve --port 5055

rasa-sdk 3.6 has no authentication of its own (and listens on 0.0.0.0 by default): this
module builds its app with `create_app` and adds a request middleware. GET /health stays
open for health checks, with /healthz (alive) and /readyz (its database answers;
actions/health.py); every other route answers 401 without the header and 403 with a wrong
one (docs/security.md, "Rasa and the action server"; docs/operations.md, "Health and
readiness"). GET /metrics takes Prometheus's bearer token PITLANE_METRICS_TOKEN instead, and
answers 404 while it is unset (docs/operations.md, "Metrics").
"""

from __future__ import annotations

import argparse
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from actions.health import add_health_routes
from core.config import CoreSettings
from core.uow import UnitOfWork, uow_from_settings
from ops import metrics
from ops.action_spans import trace_actions
from ops.error_reports import start_error_reports
from ops.logs import configure_logging
from ops.metrics_access import METRICS_PATH, MetricsSettings, metrics_refusal
from ops.settings import ErrorReportSettings
from ops.trace_settings import TraceSettings
from ops.tracing import ACTIONS_SERVICE, start_tracing

TOKEN_HEADER = "X-Pitlane-Action-Token"
OPEN_PATHS = frozenset({"/health", "/healthz", "/readyz"})

log = logging.getLogger(__name__)


class ActionServerSettings(ErrorReportSettings, MetricsSettings, TraceSettings):
    """PITLANE_ACTION_SERVER_TOKEN (required), PITLANE_ACTIONS_HOST, PITLANE_ACTIONS_PORT;
    error reports: PITLANE_SENTRY_* (ops/settings.py) and PITLANE_ENV; metrics:
    PITLANE_METRICS_TOKEN (ops/metrics_access.py); traces: PITLANE_OTLP_ENDPOINT,
    PITLANE_TRACE_* (ops/trace_settings.py)."""

    model_config = SettingsConfigDict(env_prefix="PITLANE_", env_file=".env", extra="ignore")

    action_server_token: SecretStr | None = None
    actions_host: str = "127.0.0.1"
    actions_port: int = Field(default=5055, ge=1, le=65535)
    # Only names the environment of the error reports when PITLANE_SENTRY_ENVIRONMENT is unset.
    env: Literal["development", "test", "production"] = "development"

    @field_validator("action_server_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


def refusal(path: str, given: str | None, token: str) -> tuple[int, str] | None:
    """(status, error) when a request to `path` carrying `given` in TOKEN_HEADER is refused."""
    if path in OPEN_PATHS:
        return None
    if not given:
        return 401, "missing_action_token"
    if not hmac.compare_digest(given.encode(), token.encode()):
        return 403, "wrong_action_token"
    return None


def token_guard(
    token: str, metrics_token: SecretStr | None = None
) -> Callable[[object], Awaitable[object | None]]:
    """The Sanic request middleware: a JSON refusal, or None to let the request through.
    /metrics is Prometheus's: its bearer token, never the action token."""
    from sanic import response

    async def guard(request):  # noqa: ANN001, ANN202 (Sanic's request type)
        if request.path == METRICS_PATH:
            authorization = request.headers.get("authorization")
            refused = metrics_refusal(authorization, metrics_token)
        else:
            refused = refusal(request.path, request.headers.get(TOKEN_HEADER), token)
        if refused is None:
            return None
        status, error = refused
        log.warning("refused %s %s: %s", request.method, request.path, error)
        return response.json({"error": error}, status=status)

    return guard


def secured_app(
    token: str,
    package: str = "actions",
    metrics_token: SecretStr | None = None,
    traced: bool = False,
    uow: Callable[[], UnitOfWork] | None = None,
) -> Any:  # a Sanic app
    """rasa-sdk's app for `package`, behind the token guard, with no CORS origin allowed,
    GET /metrics for a bearer of `metrics_token` (404 while None), and the probes on `uow`'s
    database (the configured one when None; nothing is connected before the first probe);
    `traced`: each action run in a span of its customer message's trace (ops/action_spans.py)."""
    from rasa_sdk.endpoint import create_app
    from sanic import response

    app = create_app(package, cors_origins=None)
    app.register_middleware(token_guard(token, metrics_token), "request")

    @app.get(METRICS_PATH)
    async def get_metrics(request):  # noqa: ANN001, ANN202, ARG001 (Sanic's handler)
        body, content_type = metrics.exposition()
        return response.raw(body, content_type=content_type)

    add_health_routes(app, uow or uow_from_settings(CoreSettings()))
    if traced:  # after the guard: a refused call opens no span
        trace_actions(app)

    return app


def action_error_integrations() -> list[Any]:
    """Sentry's Sanic integration (rasa-sdk's server), imported only when reports are on."""
    from sentry_sdk.integrations.sanic import SanicIntegration

    return [SanicIntegration()]


def start_action_error_reports(settings: ActionServerSettings) -> bool:
    """Sentry with its Sanic integration when PITLANE_SENTRY_DSN is set (ops/error_reports.py)."""
    integrations = action_error_integrations() if settings.sentry_dsn is not None else []
    return start_error_reports(settings, settings.env, integrations)


def serving_app(settings: ActionServerSettings):  # noqa: ANN201 (a Sanic app)
    """The app `main` serves: error reports started (when PITLANE_SENTRY_DSN is set), then
    rasa-sdk's app behind the token guard. Refuses to build one without the token."""
    if settings.action_server_token is None:
        raise SystemExit(
            "PITLANE_ACTION_SERVER_TOKEN is not set: the action server refuses to start open "
            "(make run generates one; see .env.example)"
        )
    start_action_error_reports(settings)
    token = settings.action_server_token.get_secret_value()
    # traces, off unless PITLANE_OTLP_ENDPOINT is set (ops/tracing.py, docs/operations.md)
    traced = start_tracing(settings, ACTIONS_SERVICE, settings.env)
    return secured_app(token, metrics_token=settings.metrics_token, traced=traced)


def main(argv: list[str] | None = None) -> None:
    settings = ActionServerSettings()
    parser = argparse.ArgumentParser(description="Pitlane's action server (rasa-sdk)")
    parser.add_argument("--host", default=settings.actions_host)
    parser.add_argument("--port", type=int, default=settings.actions_port)
    args = parser.parse_args(argv)
    configure_logging("actions")  # JSON lines, redacted (ops/logs.py; PITLANE_LOG_*)
    app = serving_app(settings)
    log.info("action server on http://%s:%d (token required)", args.host, args.port)
    app.run(args.host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
