"""The password-reset e-mail (issue 14, item 8): its link, its text, its transport.

The link is built on PITLANE_PUBLIC_BASE_URL, never on the request's Host header (a forged
Host would otherwise send the owner a link to the attacker's site with a valid token); only
outside production may the request's own URL stand in when it is unset. The e-mail goes
through the configured e-mail transport (SMTP, else the development outbox); the log names a
masked address only, never the link.
"""

from __future__ import annotations

import logging

from fastapi import Request

from core import i18n
from core.otp import mask_destination
from core.staff_reset import RESET_TTL, ResetLink
from hub.work import off_loop

log = logging.getLogger(__name__)
RESET_PATH = "/staff/login/reset"


def reset_url(request: Request, token: str) -> str | None:
    """The link of the e-mail; None in production without PITLANE_PUBLIC_BASE_URL."""
    settings = request.app.state.settings
    base = getattr(settings, "public_base_url", None)
    if base is None:
        if settings.env == "production":
            return None
        base = str(request.base_url).rstrip("/")
    return f"{base}{RESET_PATH}?token={token}"


async def send_reset_mail(request: Request, link: ResetLink, language: str) -> None:
    """E-mail the link to the account's address; a failure is logged, never shown."""
    url = reset_url(request, link.token)
    destination = mask_destination("email", link.email)
    if url is None:
        log.warning("no reset e-mail to %s: PITLANE_PUBLIC_BASE_URL is not set", destination)
        return
    minutes = int(RESET_TTL.total_seconds() // 60)
    subject = i18n.text("staff", "reset_mail_subject", language)
    body = i18n.text("staff", "reset_mail_body", language, name=link.name, url=url, minutes=minutes)
    transport = request.app.state.staff_email  # wired by webapp/main.py (SMTP or outbox)
    try:
        await off_loop(transport.send, link.email, subject, body)
    except Exception:  # the answer stays the same; the admin sees the log
        log.exception("the reset e-mail to %s failed", destination)
        return
    log.info("password reset link sent to %s", destination)
