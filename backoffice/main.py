"""The web app: hub adapters (widget, REST webhook), demo page, JSON API, health."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from backoffice import admin_pages, console_socket, health, pages, staff_pages
from backoffice.api import admin, bookings, handoffs, staff
from backoffice.errors import install_error_handlers
from backoffice.security import SecurityHeaders
from backoffice.settings import WebSettings
from channels import web
from channels.handoff import handoff_tasks
from channels.hub import HubDeps
from channels.intents import load_intents
from channels.rasa_client import RasaClient
from core.uow import uow_from_settings

ROOT = Path(__file__).resolve().parents[1]
RASA_PROJECT = ROOT / "rasa_project"


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """Build the app from `settings` (from the environment when None); no I/O happens here."""
    settings = settings or WebSettings()
    rasa = RasaClient(settings.rasa_url, settings.rasa_timeout)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await rasa.start()
        try:
            async with handoff_tasks(app.state.hub, settings.handoff_sweep_seconds):
                yield
        finally:
            await rasa.aclose()

    app = FastAPI(
        title="Pitlane",
        summary="Chat hub, widget and JSON API of the Pitlane assistant",
        version="0.1.0",
        lifespan=lifespan,
    )
    # The database engine is created lazily, on the first unit of work.
    app.state.settings = settings
    app.state.uow_factory = uow_from_settings(settings)
    app.state.hub = HubDeps(
        uow_factory=app.state.uow_factory,
        brain=rasa,
        intents=load_intents(RASA_PROJECT),
        handoff_wait=timedelta(seconds=settings.handoff_wait_seconds),
    )
    app.state.bus = app.state.hub.bus  # pub/sub between the hub, widgets and consoles
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    app.include_router(pages.router)
    app.include_router(health.router)
    app.include_router(web.router)
    app.include_router(bookings.router)
    app.include_router(staff.router)
    app.include_router(handoffs.router)
    app.include_router(admin.router)
    app.include_router(staff_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(console_socket.router)
    app.mount("/static", StaticFiles(directory=web.STATIC_DIR), name="widget-static")
    app.mount("/assets", StaticFiles(directory=Path(__file__).parent / "static"), name="assets")
    return app
