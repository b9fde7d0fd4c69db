"""Access log lines without query strings: uvicorn prints the request's path with its query
string ("GET /api/widget/notifications/stream?ticket=..."), and a ticket, a token or an old
client_id must never reach a log file. The filter cuts every path argument at its "?"."""

from __future__ import annotations

import logging

LOGGERS = ("uvicorn.access", "uvicorn.error")  # uvicorn.error logs WebSocket paths


def _strip(value: object) -> object:
    if isinstance(value, str) and value.startswith("/") and "?" in value:
        return value.split("?", 1)[0]
    return value


class StripQueryStrings(logging.Filter):
    """Removes the query string of every path in a record's arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_strip(arg) for arg in record.args)
        return True


def install() -> None:
    """Put the filter on uvicorn's loggers (once)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, StripQueryStrings) for f in logger.filters):
            logger.addFilter(StripQueryStrings())
