"""Reading a capped request body: a client gone before its body arrived gets a clear 400
(and nothing is read), not a server error."""

from __future__ import annotations

import pytest
from fastapi import HTTPException
from starlette.requests import Request

from channels.http import read_capped


def request_receiving(*messages: dict) -> Request:
    pending = list(messages)

    async def receive() -> dict:
        return pending.pop(0)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": []}
    return Request(scope, receive)


async def test_a_body_in_chunks_is_read_whole() -> None:
    request = request_receiving(
        {"type": "http.request", "body": b'{"a": ', "more_body": True},
        {"type": "http.request", "body": b"1}", "more_body": False},
    )
    assert await read_capped(request, 100) == b'{"a": 1}'


async def test_a_client_gone_before_its_body_arrived_gets_a_400() -> None:
    request = request_receiving(
        {"type": "http.request", "body": b'{"a": ', "more_body": True},
        {"type": "http.disconnect"},
    )
    with pytest.raises(HTTPException) as refused:
        await read_capped(request, 100)
    assert refused.value.status_code == 400
    assert refused.value.detail["code"] == "client_disconnected"


async def test_a_body_over_the_limit_is_refused_as_it_grows() -> None:
    request = request_receiving(
        {"type": "http.request", "body": b"x" * 60, "more_body": True},
        {"type": "http.request", "body": b"x" * 60, "more_body": False},
    )
    with pytest.raises(HTTPException) as refused:
        await read_capped(request, 100)
    assert refused.value.status_code == 413
