"""One HTTP client session per endpoint, kept open (serve_rasa.py applies it at start).

Rasa 3.6 opens a new aiohttp `ClientSession` for every request to an endpoint
(`EndpointConfig.request`: `async with self.session() as session`), so every call of a
custom action built a session, a connector and a new TCP connection to the action server,
then closed them: about an eighth of the Rasa process's CPU under 20 concurrent
conversations (py-spy, docs/scaling.md), and as many connections accepted by the action
server.

`reuse()` makes `EndpointConfig.session()` hand out one session per endpoint and event
loop, built as Rasa builds it (its headers, basic auth, 5-minute timeout) with a connector
that keeps idle connections 2 s: less than the 5 s after which Sanic (the action server)
closes an idle one, so a kept connection is not reused just as the server drops it. The
`async with` of Rasa's callers leaves it open. A closed session, or another event loop,
gets a new one.
"""

from __future__ import annotations

import asyncio
from typing import Any

KEEP_IDLE_SECONDS = 2.0


class _Kept:
    """`async with endpoint.session() as s`: yields the endpoint's kept session, never
    closes it."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *exc: object) -> None:
        return None


def reuse() -> bool:
    """Make EndpointConfig keep one session per endpoint and event loop; False when this
    Rasa has no such method (another version: nothing is changed)."""
    import aiohttp
    from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
    from rasa.utils.endpoints import EndpointConfig

    rasa_session = EndpointConfig.__dict__.get("session")
    if rasa_session is None or getattr(rasa_session, "kept", False):
        return rasa_session is not None

    def session(self: Any) -> Any:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not in a coroutine: Rasa's own, closed by its caller
            return rasa_session(self)
        kept_loop, kept = self.__dict__.get("_pitlane_session", (None, None))
        if kept is None or kept.closed or kept_loop is not loop:
            auth = None
            if self.basic_auth:
                auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
            kept = aiohttp.ClientSession(
                headers=self.headers,
                auth=auth,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_IDLE_SECONDS),
            )
            self.__dict__["_pitlane_session"] = (loop, kept)
        return _Kept(kept)

    session.kept = True
    session.rasa_session = rasa_session
    EndpointConfig.session = session
    return True
