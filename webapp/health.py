"""`GET /healthz`: the web app is up, and whether its database answers."""

from __future__ import annotations

import logging

import anyio.to_thread
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from backoffice.api.deps import UowFactoryDep

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


@router.get("/healthz")
async def get_health(uow_factory: UowFactoryDep) -> JSONResponse:
    """{"status": "ok", "database": true}; 503 with "degraded" when the database does not answer."""

    def ping() -> bool:
        try:
            with uow_factory() as uow:
                uow.session.execute(text("SELECT 1"))
            return True
        except Exception as exc:  # whatever the cause, the answer is "not healthy"
            log.warning("database does not answer: %r", exc)
            return False

    database = await anyio.to_thread.run_sync(ping)
    status = "ok" if database else "degraded"
    return JSONResponse({"status": status, "database": database}, 200 if database else 503)
