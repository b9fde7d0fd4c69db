"""Secrets that travel in a URL never reach the access log: the `token` of a password-reset
link (/staff/login/reset?token=...) is replaced by `[hidden]` in uvicorn's access lines."""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"([?&]token=)[^&\s]*")


class HideUrlTokens(logging.Filter):
    """Rewrites the path of an access-log record (uvicorn: client, method, path, ...)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], _TOKEN.sub(r"\1[hidden]", args[2]), *args[3:])
        return True


def hide_reset_tokens_in_access_log() -> None:
    """Install the filter on uvicorn's access logger, once per process."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, HideUrlTokens) for f in access.filters):
        access.addFilter(HideUrlTokens())
