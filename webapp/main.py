"""The web app: hub adapters (widget, REST webhook), demo page, JSON API, health."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sentry_sdk.integrations.fastapi import FastApiIntegration
from sentry_sdk.integrations.starlette import StarletteIntegration
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from backoffice import (
    admin_pages,
    agency_pages,  # issue 16: agencies managed in the backoffice
    answers_pages,
    canned_pages,  # issue 17: the console's canned replies
    catalogue_pages,
    console_socket,
    estimate_pages,  # issue 16: a job's estimate and invoice page
    invoice_pages,
    job_pages,
    notifications_pages,
    outbox_pages,
    pages,
    password_pages,
    planning_pages,
    reviews_pages,  # issue 16: reviews' moderation
    rooms_pages,
    rules_pages,
    service_pages,
    staff_pages,
    team_pages,
    totp_pages,
    vehicle_pages,
    workshop_pages,
)
from backoffice.api import accounts as accounts_api
from backoffice.api import admin, bookings, handoffs, messages, staff
from backoffice.api import answers as answers_api
from backoffice.api import canned_replies as canned_api
from backoffice.api import catalogue as catalogue_api
from backoffice.api import invoices as invoices_api
from backoffice.api import jobs as jobs_api
from backoffice.api import notifications as notifications_api
from backoffice.api import rooms as rooms_api
from backoffice.api import vehicles as vehicles_api
from backoffice.api import workshop as workshop_api
from backoffice.errors import install_error_handlers
from channels import rooms_socket, sse, uploads, web, widget_auth, widget_files
from channels.rasa_client import RasaClient
from channels.telegram import router as telegram_router
from channels.telegram import telegram_channel
from channels.whatsapp import router as whatsapp_router
from channels.whatsapp import whatsapp_from_settings
from core.booking_documents import DocumentLinks
from core.file_store import make_file_store
from core.uow import uow_from_settings
from documents.kinds import register_document_kinds
from hub.handoff import expiry_sweeping, handoff_tasks
from hub.inbound import HubDeps
from hub.intents import load_intents
from hub.ports import ChannelSender
from ops.error_reports import start_error_reports
from ops.metrics import process_exiting
from ops.request_ids import RequestIds
from ops.tracing import WEB_SERVICE, http_client_tracing, instrument_web_app, start_tracing
from transports import transports_from_settings
from webapp import access_log, health
from webapp import documents as documents_route
from webapp import metrics as metrics_route
from webapp.json_text import JsonTextGuard
from webapp.leader import leading
from webapp.neighbours import Neighbours
from webapp.scheduler import scheduler_running
from webapp.security import SecurityHeaders, tile_sources
from webapp.settings import WebSettings
from webapp.shared_state import shared_state

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
RASA_PROJECT = ROOT / "rasa_project"
BACKOFFICE_STATIC = ROOT / "backoffice" / "static"


def web_error_integrations() -> list[StarletteIntegration | FastApiIntegration]:
    """Sentry's FastAPI integration, its events named by the route's path template."""
    return [
        StarletteIntegration(transaction_style="url"),
        FastApiIntegration(transaction_style="url"),
    ]


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """Build the app from `settings` (from the environment when None); no I/O happens here."""
    settings = settings or WebSettings()
    # Sentry, off unless PITLANE_SENTRY_DSN is set; scrubbed of customers' data (ops/scrub.py)
    start_error_reports(settings, settings.env, web_error_integrations())
    access_log.install()  # no query string (tokens, tickets) in uvicorn's log lines
    # Traces, off unless PITLANE_OTLP_ENDPOINT is set (ops/tracing.py, docs/operations.md)
    traced = start_tracing(settings, WEB_SERVICE, settings.env)
    rasa_token = settings.rasa_token.get_secret_value() if settings.rasa_token else None
    rasa = RasaClient(
        settings.rasa_url,
        settings.rasa_timeout,
        rasa_token,
        trace_configs=http_client_tracing() if traced else (),
    )
    shared = shared_state(settings)  # bus and conversation locks: Redis or this process
    neighbours = Neighbours(rasa, settings.actions_url)  # reported by GET /readyz

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await rasa.start()
        await neighbours.start()
        if app.state.whatsapp is None:
            log.warning("WhatsApp/SMS channel off: PITLANE_TWILIO_* credentials not set")
        if app.state.telegram is not None:
            await app.state.telegram.start()
        try:
            async with (
                shared.running(),
                handoff_tasks(app.state.hub),
                leading(settings.database_url, leader_work, settings.leader_retry_seconds),
            ):
                yield
        finally:
            if app.state.telegram is not None:
                await app.state.telegram.stop()
            await neighbours.aclose()
            await rasa.aclose()
            process_exiting()  # its open-connection gauges leave the sums (multiprocess mode)

    @asynccontextmanager
    async def leader_work() -> AsyncIterator[None]:
        """What runs on one replica only (webapp/leader.py): the handoff expiry sweeper,
        Telegram's polling (polling mode), and the scheduler (only the leader starts it: the
        job table is shared, and a follower's scheduler would only wake up for jobs the
        leader's claims already decide)."""
        hub, telegram = app.state.hub, app.state.telegram
        async with (
            expiry_sweeping(hub, settings.handoff_sweep_seconds),
            telegram.polling() if telegram is not None else nullcontext(),
            scheduler_running(settings, hub) as scheduler,
        ):
            app.state.scheduler = scheduler  # None when off (PITLANE_SCHEDULER=off)
            try:
                yield
            finally:
                app.state.scheduler = None

    app = FastAPI(
        title="Pitlane",
        summary="Chat hub, widget and JSON API of the Pitlane assistant",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs" if settings.docs_served else None,
        redoc_url="/redoc" if settings.docs_served else None,
        # FastAPI's own telemetry off: the traces are ops/tracing.py's (query strings left out)
        telemetry={"tracing": False, "metrics": False, "logs": False, "auto_configure": False},
    )
    # The database engine is created lazily, on the first unit of work.
    app.state.settings = settings
    app.state.scheduler = None  # webapp/scheduler.py, set while this replica leads
    app.state.uow_factory = uow_from_settings(settings)
    # GET /metrics (bearer PITLANE_METRICS_TOKEN): the queue and the pools read at scrape time
    app.state.metrics_collectors = metrics_route.app_collectors(app.state.uow_factory)
    # SMS and e-mail: staff e-mails, the job routes' notices (backoffice/job_notices.py), a
    # human chat's transcript (hub/chat_end.py)
    app.state.transports = transports_from_settings(settings, app.state.uow_factory)
    senders: dict[str, ChannelSender] = {}  # push channels' senders, filled below
    app.state.hub = HubDeps(
        uow_factory=app.state.uow_factory,
        senders=senders,
        brain=rasa,
        bus=shared.bus,
        locks=shared.locks,
        intents=load_intents(RASA_PROJECT),
        handoff_wait=timedelta(seconds=settings.handoff_wait_seconds),
        limits=settings.customer_limits,
        otp_limits=settings.otp_limits(),
        files=make_file_store(settings.upload_store, settings.upload_dir, app.state.uow_factory),
        transports=app.state.transports,
    )
    app.state.bus = app.state.hub.bus  # pub/sub between the hub, widgets and consoles
    app.state.shared = shared  # its readiness: GET /readyz
    app.state.neighbours = neighbours  # Rasa's and the action server's state: GET /readyz
    # Telegram: None when off (no token) or refused (webhook mode without a secret).
    app.state.telegram = telegram_channel(settings, app.state.hub)
    if app.state.telegram is not None:
        senders["telegram"] = app.state.telegram.sender
    # WhatsApp/SMS (Twilio): None when off (no account sid, auth token or sender number).
    app.state.whatsapp = whatsapp_from_settings(settings)
    if app.state.whatsapp is not None:
        senders.update(app.state.whatsapp.senders)
    install_error_handlers(app)
    app.add_middleware(JsonTextGuard)
    if settings.trusted_proxy_list:  # else X-Forwarded-* are ignored: the peer is the client
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
    app.add_middleware(
        SecurityHeaders,
        img_sources=tile_sources(settings.map_tiles_url),
        hsts=settings.env == "production",
    )
    app.add_middleware(metrics_route.MetricsMiddleware)  # counts every answer
    app.add_middleware(RequestIds)  # outermost of ours: every log line of a request has its id
    app.include_router(pages.router)
    app.include_router(health.router)
    app.include_router(metrics_route.router)  # GET /metrics (docs/operations.md, "Metrics")
    app.include_router(web.router)
    app.include_router(widget_files.router)  # /widget.js and the built package (docs/widget.md)
    app.include_router(widget_auth.router)  # the widget's credential (docs/security.md)
    app.include_router(uploads.router)
    app.include_router(telegram_router)
    app.include_router(whatsapp_router)
    app.include_router(bookings.router)
    app.include_router(staff.router)
    app.include_router(handoffs.router)
    app.include_router(messages.router)
    app.include_router(admin.router)
    app.include_router(staff_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(outbox_pages.router)
    app.include_router(console_socket.router)
    # staff accounts: team, password reset, two-factor authentication (docs/security.md)
    app.include_router(accounts_api.router)
    app.include_router(team_pages.router)
    app.include_router(password_pages.router)
    app.include_router(totp_pages.router)
    # the customers' document links the app's messages give (an estimate's PDF in its notice)
    app.state.document_links = DocumentLinks.from_settings(settings)
    app.state.staff_email = app.state.transports["email"]
    # chat rooms and commercial notifications (docs/rooms.md)
    app.include_router(rooms_api.router)
    app.include_router(notifications_api.router)
    app.include_router(rooms_pages.router)
    app.include_router(notifications_pages.router)
    app.include_router(rooms_socket.router)
    app.include_router(sse.router)
    # workshop staff pages and service settings (docs/workshop.md)
    app.include_router(workshop_pages.router)
    app.include_router(service_pages.router)
    app.include_router(rules_pages.router)
    app.include_router(workshop_api.router)
    # the test-ride catalogue (docs/catalogue.md)
    app.include_router(catalogue_pages.router)
    app.include_router(catalogue_api.router)
    # the knowledge base of answers (docs/answers.md)
    app.include_router(answers_pages.router)
    app.include_router(answers_api.router)
    # issue 16: estimates, invoices, customers' document links (helper "money")
    register_document_kinds()
    app.include_router(documents_route.router)
    app.include_router(jobs_api.router)
    app.include_router(invoices_api.router)
    app.include_router(invoice_pages.router)
    # repair jobs: a mechanic's planning, a job's page, check-in, walk-ins (docs/workshop.md)
    app.include_router(job_pages.router)
    # issue 16: the manager's planning and dashboard (docs/workshop.md, "Planning")
    app.include_router(planning_pages.router)
    app.include_router(reviews_pages.router)  # issue 16: reviews' moderation
    # issue 16: the vehicle's history (docs/workshop.md, "Vehicle history")
    app.include_router(vehicles_api.router)
    app.include_router(vehicle_pages.router)
    app.include_router(estimate_pages.router)  # issue 16: a job's estimate and invoice page
    app.include_router(agency_pages.router)  # issue 16: agencies (docs/workshop.md)
    app.include_router(canned_pages.router)  # issue 17: canned replies (docs/canned-replies.md)
    app.include_router(canned_api.router)
    app.mount("/static", StaticFiles(directory=web.STATIC_DIR), name="widget-static")
    if web.LEAFLET_DIR.is_dir():  # npm ci not run: the widget shows the agencies as a list
        app.mount(web.LEAFLET_URL, StaticFiles(directory=web.LEAFLET_DIR), name="leaflet")
    app.mount("/assets", StaticFiles(directory=BACKOFFICE_STATIC), name="assets")
    if traced:
        instrument_web_app(app)
    return app
