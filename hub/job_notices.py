"""Telling customers of their repair jobs' changes (core/job_notices.py claims each notice).

A notice goes through the hub's one way out (`send_out`: stored in the customer's latest
conversation on their channel, pushed to Telegram/WhatsApp, published to open widgets), in
the customer's language; "ready for pickup" also by SMS, or e-mail when there is no phone,
through the transports given (transports/: Twilio, SMTP, or core's development outbox).

Outcomes: told (it reached them by one means at least), skipped (nobody to tell: no
conversation, opted out, and no SMS/e-mail due), failed (stored but refused by the channel:
staff see it at GET /api/messages/failed; not sent again, so never twice in the
transcript), retry (the store did not answer: nothing was stored).

`dispatch_job_notices` is what the scheduler runs every few seconds on the leader, and what
the web app calls right after a staff change (`job_id`: that job's notices only).
"""

from __future__ import annotations

import logging

from core import estimate_chat, job_notices
from core.job_notices import NoticeTask
from core.otp import mask_destination
from core.repair_status import ALSO_BY_CONTACT, expected_text, notice_text, pickup_subject
from hub.deps import StoreUnavailable
from hub.messages import Button, OutgoingMessage
from hub.outbound import Destination, send_out
from hub.reminders import ReminderDeps
from hub.work import off_loop

log = logging.getLogger(__name__)
SENDER = "workshop"


async def dispatch_job_notices(deps: ReminderDeps, job_id: int | None = None) -> int:
    """Claim and send every notice due now (of one job with `job_id`), oldest first;
    returns how many reached their customer."""
    hub = deps.hub
    now = hub.now()
    try:
        ids = await off_loop(
            lambda: job_notices.pending_notices(hub.uow_factory(), now, job_id=job_id)
        )
    except StoreUnavailable:
        return 0
    told = 0
    for event_id in ids:
        told += await tell_notice(deps, event_id) == "told"
    return told


async def tell_notice(deps: ReminderDeps, event_id: int) -> str | None:
    """Claim one event's notice and send it; None when there was nothing to send here (told
    or being told elsewhere, an earlier notice of the job first), else its outcome."""
    hub = deps.hub
    now = hub.now()
    try:
        task = await off_loop(lambda: job_notices.claim_notice(hub.uow_factory(), event_id, now))
    except StoreUnavailable:
        return None
    if task is None:
        return None
    try:
        outcome = await _send(deps, task)
    except StoreUnavailable:
        outcome = "retry"
    except Exception:  # the row must be finished whatever happened
        log.exception("notice of job event %s failed", event_id)
        outcome = "failed"
    try:
        await off_loop(
            lambda: job_notices.finish_notice(
                hub.uow_factory(), event_id, outcome, now=hub.now(), claimed_at=task.claimed_at
            )
        )
    except StoreUnavailable:  # the claim goes stale and is taken again
        return None
    log.info("notice of job %s (%s): %s", task.job_id, task.status, outcome)
    return outcome


def notice_message(task: NoticeTask, tz: str) -> str:
    """The notice's text in the customer's language."""
    return notice_text(
        task.status,
        task.language,
        vehicle=task.vehicle,
        agency=task.agency_name,
        address=task.agency_address,
        phone=task.agency_phone,
        expected=expected_text(task.status, task.expected_completion, tz, task.language),
    )


def chat_messages(task: NoticeTask, deps: ReminderDeps) -> list[OutgoingMessage]:
    """The notice as chat messages. An estimate sent comes with its summary, its PDF's
    signed link (when links are configured) and the approve / decline buttons last, or, in
    an SMS conversation where buttons cannot be answered, the way to answer."""
    text = notice_message(task, deps.timezone)
    estimate, language = task.estimate, task.language
    if estimate is None:
        return [OutgoingMessage(text=text)]
    messages = [OutgoingMessage(text=f"{text}\n\n{estimate_chat.summary(estimate, language)}")]
    if deps.links is not None:
        url = deps.links.url(estimate_chat.PDF_KIND, task.job_id, deps.hub.now())
        title = estimate_chat.pdf_title(language)
        messages.append(OutgoingMessage(custom={"links": [{"title": title, "url": url}]}))
    channel = task.recipient.channel if task.recipient is not None else ""
    if estimate_chat.decision_channel(channel) is None:
        messages.append(OutgoingMessage(text=estimate_chat.phrase("channel_closed", language)))
    else:
        buttons = estimate_chat.decision_buttons(task.job_id, language)
        messages.append(
            OutgoingMessage(
                text=estimate_chat.question(language),
                buttons=[Button(b.title, b.payload) for b in buttons],
            )
        )
    return messages


async def _send(deps: ReminderDeps, task: NoticeTask) -> str:
    text = notice_message(task, deps.timezone)
    chat: str | None = None
    to = task.recipient
    if to is not None and not to.opted_out:
        destination = Destination(to.conversation_id, to.channel, to.external_id)
        delivered = True
        for message in chat_messages(task, deps):
            sent = await send_out(deps.hub, destination, message, sender=SENDER, proactive=True)
            delivered = delivered and sent.delivered
        chat = "told" if delivered else "failed"
    by_contact = False
    if task.status in ALSO_BY_CONTACT:
        by_contact = await _by_sms_or_email(deps, task, text, chat == "told")
    if chat == "told" or by_contact:
        return "told"
    return chat or "skipped"


async def _by_sms_or_email(
    deps: ReminderDeps, task: NoticeTask, body: str, told_in_chat: bool
) -> bool:
    """SMS to the customer's phone, else e-mail; not an SMS to the number the chat message
    has just reached (an SMS conversation)."""
    to = task.recipient
    if task.customer_phone:
        kind, destination = "sms", task.customer_phone
        same_number = to is not None and to.external_id == destination
        if same_number and to.channel == "sms" and told_in_chat:
            return False  # the chat message was that SMS
        if same_number and to.opted_out and to.channel in ("sms", "whatsapp"):
            return False  # they said STOP from that number
    elif task.customer_email:
        kind, destination = "email", task.customer_email
    else:
        return False
    transport = deps.transports.get(kind)
    if transport is None:
        return False
    subject = pickup_subject(task.language) if kind == "email" else None
    try:
        await off_loop(transport.send, destination, subject, body)
    except Exception:  # a provider failure: the chat may still have reached them
        log.exception("%s notice to %s failed", kind, mask_destination(kind, destination))
        return False
    log.info("job notice sent by %s to %s", kind, mask_destination(kind, destination))
    return True
