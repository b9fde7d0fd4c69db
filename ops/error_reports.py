"""Error reports to Sentry, off unless PITLANE_SENTRY_DSN is set. Each process calls
`start_error_reports` at its start with its framework's integration; every event and
breadcrumb goes through ops/scrub.py before it leaves the process."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sentry_sdk
from sentry_sdk.integrations import Integration

from ops.scrub import scrub_breadcrumb, scrub_event
from ops.settings import ErrorReportSettings

log = logging.getLogger(__name__)


def init_error_reports(
    dsn: str,
    environment: str,
    release: str | None = None,
    integrations: Sequence[Integration] = (),
) -> None:
    """Start the Sentry SDK: errors only (no tracing, no logs), scrubbed, and no integration
    but the SDK's defaults (logging, excepthook, threads...) and the given ones."""
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=list(integrations),
        auto_enabling_integrations=False,  # no patching of every library installed
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        traces_sample_rate=None,  # no performance tracing: errors only
        # no sentry-trace/baggage headers on our calls to Telegram, Twilio or Rasa
        trace_propagation_targets=[],
        spotlight=False,  # whatever SENTRY_SPOTLIGHT says: the DSN is the only destination
    )


def start_error_reports(
    settings: ErrorReportSettings, env: str, integrations: Sequence[Integration] = ()
) -> bool:
    """Start the reports when PITLANE_SENTRY_DSN is set; whether they were started."""
    if settings.sentry_dsn is None:
        return False
    environment = settings.error_report_environment(env)
    init_error_reports(
        settings.sentry_dsn.get_secret_value(),
        environment,
        settings.sentry_release,
        integrations,
    )
    log.info("error reports on (Sentry, environment %s)", environment)
    return True


def stop_error_reports(timeout: float = 2.0) -> None:
    """Send what is queued, then report nothing more (tests; a process's exit flushes)."""
    client = sentry_sdk.get_client()
    client.flush(timeout=timeout)
    client.close(timeout=timeout)
    sentry_sdk.get_global_scope().set_client(None)
