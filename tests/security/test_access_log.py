"""Access log lines never hold a ticket or a token: uvicorn's access logger, through the
filter, on a served app."""

from __future__ import annotations

import logging

import httpx

from tests.integration.web_support import closed_port, served_app, web_settings


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_access_log_lines_hold_no_query_string(seeded_sqlite_url: str) -> None:
    settings = web_settings(seeded_sqlite_url, f"http://127.0.0.1:{closed_port()}")
    records = Records()
    access = logging.getLogger("uvicorn.access")
    with served_app(settings) as url:
        access.addHandler(records)  # after uvicorn configured its loggers
        level = access.level
        access.setLevel(logging.INFO)  # served_app's log_level="warning" raised it
        try:
            httpx.get(f"{url}/api/widget/notifications/stream?ticket=SECRET-TICKET-1234567890")
            httpx.get(f"{url}/health?token=SECRET-TOKEN")
        finally:
            access.removeHandler(records)
            access.setLevel(level)

    assert any("/api/widget/notifications/stream" in line for line in records.lines)
    assert not any("SECRET" in line or "?" in line for line in records.lines)
