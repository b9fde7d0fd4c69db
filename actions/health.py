"""The action server's probes, open without the token (actions/serve.py's OPEN_PATHS):
`GET /healthz`, alive while Sanic answers; `GET /readyz`, ready when the database the actions
use answers (503 otherwise). JSON of booleans only: no URL, no secret."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from core.uow import UnitOfWork, database_answers

HEALTH_PATHS = ("/healthz", "/readyz")


def add_health_routes(app, uow: Callable[[], UnitOfWork]) -> None:  # noqa: ANN001 (Sanic)
    """Route `/healthz` and `/readyz` on rasa-sdk's Sanic `app`."""
    from sanic import response

    @app.get("/healthz")
    async def get_health(request):  # noqa: ANN001, ANN202, ARG001 (Sanic's handler shape)
        return response.json({"status": "ok"})

    @app.get("/readyz")
    async def get_readiness(request):  # noqa: ANN001, ANN202, ARG001 (Sanic's handler shape)
        loop = asyncio.get_running_loop()
        database = await loop.run_in_executor(None, database_answers, uow)
        body = {"ready": database, "database": database}
        return response.json(body, status=200 if database else 503)
