"""Sending one due reminder or satisfaction survey (core/reminders.py claims it first).

A reminder goes through the customer's conversation on the booking's channel (stored in
the transcript like the hub's other proactive messages, delivered by the channel's sender
or pushed live to an open widget) AND by SMS, or e-mail when there is no phone, through
the transports given (transports/: Twilio, SMTP, or core's development outbox). A survey
(its five rating buttons) goes through the channel only. Opted-out conversations get nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from core import feedback, i18n, reminders
from core.booking_documents import DocumentLinks
from core.feedback import SurveyPrompt
from core.otp import mask_destination
from core.reminders import ChannelRecipient, ReminderTask
from hub.deps import HubDeps
from hub.intents import intent_payload
from hub.messages import Button, OutgoingMessage
from hub.outbound import Destination, send_out
from hub.ports import MessageTransport
from hub.work import off_loop
from ops import metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReminderDeps:
    """What sending needs: the hub's dependencies (units of work, senders, bus, clock), the
    SMS/e-mail transports by name ("sms", "email") and the customers' time zone."""

    hub: HubDeps
    transports: Mapping[str, MessageTransport]
    timezone: str = "Europe/Paris"
    # the customers' document links (an estimate's PDF in its notice); None: no link given
    links: DocumentLinks | None = None


async def send_due_reminder(deps: ReminderDeps, reminder_id: int, now: datetime) -> bool | None:
    """Claim the row and send it; None when there was nothing to send (not due, cancelled,
    already sent elsewhere), else whether it reached the customer by at least one means."""
    hub = deps.hub
    task: ReminderTask | None = await off_loop(
        lambda: reminders.claim_reminder(hub.uow_factory(), reminder_id, now)
    )
    if task is None:
        return None
    try:
        sent = await (_send_survey(deps, task, now) if task.kind == "survey" else _send(deps, task))
    except Exception:  # the row must be finished whatever happened
        log.exception("reminder %s (%s) failed", task.reminder_id, task.kind)
        sent = False
    await off_loop(
        lambda: reminders.finish_reminder(
            hub.uow_factory(),
            task.reminder_id,
            sent=sent,
            now=now,
            claimed_at=task.claimed_at,
        )
    )
    metrics.reminder_done(task.kind, sent)
    log.info(
        "%s %s of booking %s: %s",
        task.kind,
        task.reminder_id,
        task.booking.reference,
        "sent" if sent else "failed",
    )
    return sent


async def _send(deps: ReminderDeps, task: ReminderTask) -> bool:
    subject, body = reminders.reminder_message(task, deps.timezone)
    button = Button(i18n.text("reminders", "my_bookings_button", task.language), "/my_bookings")
    message = OutgoingMessage(text=body, buttons=[button])
    reached = await _through_channel(deps, task, message)
    by_contact = await _by_sms_or_email(deps, task, subject, body, reached)
    return bool(reached) or by_contact


async def _send_survey(deps: ReminderDeps, task: ReminderTask, now: datetime) -> bool:
    hub = deps.hub
    await off_loop(lambda: feedback.open_survey(hub.uow_factory(), task.booking_id, now))
    prompt = feedback.survey_prompt(
        task.language,
        task.booking.reference,
        reminders.when_text(task, deps.timezone),
        task.booking.agency_name,
    )
    message = OutgoingMessage(text=prompt.text, buttons=survey_buttons(prompt))
    return bool(await _through_channel(deps, task, message))


def survey_buttons(prompt: SurveyPrompt) -> list[Button]:
    """One button per rating ("4 ★★★★"), each sending the `rate` intent for the booking."""
    return [
        Button(
            f"{rating} {'★' * rating}",
            intent_payload(
                "rate", {"survey_booking": prompt.booking_reference, "rating": str(rating)}
            ),
        )
        for rating in prompt.ratings
    ]


async def _through_channel(
    deps: ReminderDeps, task: ReminderTask, message: OutgoingMessage
) -> list[ChannelRecipient]:
    """Store and deliver the message in each of the customer's conversations on the
    booking's channel; returns the ones it reached (a widget's transcript counts: the
    customer sees it live or at the next visit)."""
    reached = []
    for recipient in task.recipients:
        if recipient.opted_out:
            continue
        if await _to_conversation(deps.hub, recipient, message):
            reached.append(recipient)
    return reached


async def _to_conversation(
    hub: HubDeps, recipient: ChannelRecipient, message: OutgoingMessage
) -> bool:
    to = Destination(recipient.conversation_id, recipient.channel, recipient.external_id)
    return (await send_out(hub, to, message, proactive=True)).delivered


async def _by_sms_or_email(
    deps: ReminderDeps,
    task: ReminderTask,
    subject: str,
    body: str,
    reached: list[ChannelRecipient],
) -> bool:
    """SMS to the customer's phone, else e-mail; not an SMS twice to the same number."""
    if task.customer_phone:
        kind, destination = "sms", task.customer_phone
        if any(r.channel == "sms" and r.external_id == destination for r in reached):
            return False
    elif task.customer_email:
        kind, destination = "email", task.customer_email
    else:
        return False
    transport = deps.transports.get(kind)
    if transport is None:
        return False
    try:
        await off_loop(transport.send, destination, subject if kind == "email" else None, body)
    except Exception:  # a provider failure: the channel may still have reached them
        log.exception("%s reminder to %s failed", kind, mask_destination(kind, destination))
        return False
    log.info("reminder sent by %s to %s", kind, mask_destination(kind, destination))
    return True
