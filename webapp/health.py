"""`GET /healthz`: the web app is alive (its event loop answers; nothing else is asked, so
that an outage of the database does not restart every replica). `GET /readyz`: whether this
replica can serve: its database and, with several replicas, Redis (the live events between
them); it also reports Rasa and the action server, without failing on them
(webapp/neighbours.py)."""

from __future__ import annotations

import asyncio

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from backoffice.api.deps import UowFactoryDep
from core.uow import database_answers

router = APIRouter(tags=["health"])


@router.get("/readyz")
async def get_readiness(request: Request, uow_factory: UowFactoryDep) -> JSONResponse:
    """{"ready": true, "database": true, "shared": true, "rasa": true, "actions": true}; 503
    when the database or "shared" (Redis when PITLANE_REDIS_URL is set, else always true)
    does not answer. "rasa" (a model loaded) and "actions" (the action server ready) are
    reported only."""
    database, shared, neighbours = await asyncio.gather(
        anyio.to_thread.run_sync(database_answers, uow_factory),
        request.app.state.shared.ready(),
        request.app.state.neighbours.states(),
    )
    ready = database and shared
    body = {"ready": ready, "database": database, "shared": shared, **neighbours}
    return JSONResponse(body, 200 if ready else 503)


@router.get("/healthz")
async def get_health() -> JSONResponse:
    """{"status": "ok"} while the process serves requests (liveness)."""
    return JSONResponse({"status": "ok"})
