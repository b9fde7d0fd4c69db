"""`GET /healthz`: the web app is up, and whether its database answers. `GET /readyz`: whether
this replica can serve fully: its database and, with several replicas, Redis (the live
events between them)."""

from __future__ import annotations

import logging

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from backoffice.api.deps import UowFactoryDep

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


def _database_answers(uow_factory: UowFactoryDep) -> bool:
    try:
        with uow_factory() as uow:
            uow.session.execute(text("SELECT 1"))
        return True
    except Exception as exc:  # whatever the cause, the answer is "not healthy"
        log.warning("database does not answer: %r", exc)
        return False


@router.get("/readyz")
async def get_readiness(request: Request, uow_factory: UowFactoryDep) -> JSONResponse:
    """{"ready": true, "database": true, "shared": true}; 503 when either does not answer
    ("shared": Redis when PITLANE_REDIS_URL is set, else always true)."""
    database = await anyio.to_thread.run_sync(_database_answers, uow_factory)
    shared = await request.app.state.shared.ready()
    ready = database and shared
    body = {"ready": ready, "database": database, "shared": shared}
    return JSONResponse(body, 200 if ready else 503)


@router.get("/healthz")
async def get_health(uow_factory: UowFactoryDep) -> JSONResponse:
    """{"status": "ok", "database": true}; 503 with "degraded" when the database does not answer."""
    database = await anyio.to_thread.run_sync(_database_answers, uow_factory)
    status = "ok" if database else "degraded"
    return JSONResponse({"status": status, "database": database}, 200 if database else 503)
