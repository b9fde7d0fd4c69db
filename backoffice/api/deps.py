"""Dependencies shared by the API routes (Annotated aliases)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from backoffice.errors import api_error
from backoffice.settings import WebSettings
from core.uow import UnitOfWork


def get_settings(request: Request) -> WebSettings:
    return request.app.state.settings


def get_uow_factory(request: Request) -> Callable[[], UnitOfWork]:
    return request.app.state.uow_factory


SettingsDep = Annotated[WebSettings, Depends(get_settings)]
UowFactoryDep = Annotated[Callable[[], UnitOfWork], Depends(get_uow_factory)]


def require_api_token(request: Request, settings: SettingsDep) -> None:
    """Let the request through only with `Authorization: Bearer <PITLANE_API_TOKEN>`."""
    if settings.api_token is None:
        raise api_error(503, "api_disabled", "API disabled: PITLANE_API_TOKEN is not set")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = settings.api_token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise api_error(
            401,
            "unauthorized",
            "a valid 'Authorization: Bearer <token>' header is required",
            headers={"WWW-Authenticate": "Bearer"},
        )


ApiTokenDep = Depends(require_api_token)
