"""Sending the maintenance reminders that are due (core/maintenance_reminders.py claims each
subscription first): through the hub's one way out, in the customer's conversations on the
channel where they said yes, in their language, with a button that starts the workshop
booking. Opted-out conversations (STOP) get nothing."""

from __future__ import annotations

import logging
from datetime import datetime

from core import i18n
from core import maintenance_reminders as core_reminders
from core.formatting import format_short_date
from core.maintenance_reminders import MaintenanceReminderTask
from hub.messages import Button, OutgoingMessage
from hub.reminders import ReminderDeps, _to_conversation
from hub.work import off_loop
from ops import metrics

log = logging.getLogger(__name__)
BOOK_PAYLOAD = "/quick_service"
STOP_PAYLOAD = "/stop_maintenance_reminders"


def reminder_message(task: MaintenanceReminderTask) -> OutgoingMessage:
    """The reminder's text and its two buttons (book, stop the reminders)."""
    language = task.language
    text = i18n.text(
        "maintenance_reminders",
        f"due_{task.due.reason}",
        language,
        name=f" {task.first_name}" if task.first_name else "",
        vehicle=task.vehicle,
        last=format_short_date(task.due.last_service, language),
    )
    return OutgoingMessage(
        text=text,
        buttons=[
            Button(i18n.text("maintenance_reminders", "book_button", language), BOOK_PAYLOAD),
            Button(i18n.text("maintenance_reminders", "stop_button", language), STOP_PAYLOAD),
        ],
    )


async def send_one(deps: ReminderDeps, subscription_id: int, now: datetime) -> bool | None:
    """Claim and send one subscription's reminder; None when nothing was to be sent."""
    hub = deps.hub
    task = await off_loop(lambda: core_reminders.claim(hub.uow_factory(), subscription_id, now))
    if task is None:
        return None
    sent = False
    try:
        message = reminder_message(task)
        for recipient in task.recipients:
            if not recipient.opted_out and await _to_conversation(hub, recipient, message):
                sent = True
    except Exception:  # the claim must be closed whatever happened
        log.exception("maintenance reminder %s failed", subscription_id)
    await off_loop(lambda: core_reminders.finish(hub.uow_factory(), task, sent=sent, now=now))
    metrics.reminder_done("maintenance", sent)
    log.info("maintenance reminder %s: %s", subscription_id, "sent" if sent else "not delivered")
    return sent


async def send_due_maintenance_reminders(deps: ReminderDeps, now: datetime) -> int:
    """Look at every active subscription, send those due; how many reached the customer."""
    ids = await off_loop(lambda: core_reminders.active_subscriptions(deps.hub.uow_factory()))
    count = 0
    for subscription_id in ids:
        if await send_one(deps, subscription_id, now):
            count += 1
    return count
