"""`python -m webapp`: serve the web app with uvicorn on PITLANE_HOST:PITLANE_PORT."""

from __future__ import annotations

from typing import Any

import uvicorn

from ops.logs import LogSettings, logging_config
from webapp.settings import WebSettings

# A widget frame is at most 16 KiB; refuse much larger ones at the protocol level.
WS_MAX_SIZE = 64 * 1024


def uvicorn_options(settings: WebSettings, logs: LogSettings | None = None) -> dict[str, Any]:
    """uvicorn's options. Its own proxy headers stay off: it would trust X-Forwarded-For from
    127.0.0.1 (or FORWARDED_ALLOW_IPS); create_app trusts PITLANE_TRUSTED_PROXIES only.
    Its loggers (access lines included) write through ops/logs.py: JSON lines by default."""
    logs = logs or LogSettings()
    return {
        "log_config": logging_config(logs, "web"),
        "log_level": logs.log_level.lower(),
        "factory": True,
        "host": settings.host,
        "port": settings.port,
        "ws_max_size": WS_MAX_SIZE,
        "proxy_headers": False,
    }


def main() -> None:
    uvicorn.run("webapp.main:create_app", **uvicorn_options(WebSettings()))


if __name__ == "__main__":
    main()
