"""`python -m webapp`: serve the web app with uvicorn on PITLANE_HOST:PITLANE_PORT."""

from __future__ import annotations

import uvicorn

from webapp.settings import WebSettings

# A widget frame is at most 16 KiB; refuse much larger ones at the protocol level.
WS_MAX_SIZE = 64 * 1024


def main() -> None:
    settings = WebSettings()
    uvicorn.run(
        "webapp.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        ws_max_size=WS_MAX_SIZE,
        proxy_headers=True,
    )


if __name__ == "__main__":
    main()
