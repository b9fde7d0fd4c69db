"""What a customer is told about their repairs: the open jobs of theirs (asked in the chat)
and the words of each status, in their language (the `job_notices` context of the gettext
catalogues). hub/job_notices.py pushes a notice at each change; actions/repair.py answers
"où en est ma réparation ?"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core import i18n
from core.formatting import format_short_date, format_slot, local_time
from core.job_states import CLOSED
from core.job_views import one_job_view
from core.models import RepairJob
from core.uow import UnitOfWork

CONTEXT = "job_notices"
# Statuses whose notice and chat answer give the expected completion, when it is known.
EXPECTED_SHOWN = frozenset({"received", "diagnosing", "approved", "in_progress", "waiting_parts"})
# Statuses told by SMS or e-mail as well as in the conversation.
ALSO_BY_CONTACT = frozenset({"ready_for_pickup"})


@dataclass(frozen=True)
class RepairStatus:
    """One open job of the customer, as the chat tells it."""

    job_id: int
    vehicle: str  # "Ducati Monster 821 (AB-123-CD)"
    agency_name: str
    status: str
    expected_completion: datetime | None
    estimate_sent_at: datetime | None  # the last time the job went to estimate_sent


def open_repairs(uow: UnitOfWork, customer_id: int) -> list[RepairStatus]:
    """The customer's jobs not yet returned or cancelled, oldest first."""
    with uow:
        session = uow.session
        ids = session.scalars(
            select(RepairJob.id)
            .where(RepairJob.customer_id == customer_id, RepairJob.status.not_in(CLOSED))
            .order_by(RepairJob.created_at, RepairJob.id)
        ).all()
        repairs = []
        for job_id in ids:
            view = one_job_view(session, job_id)
            sent = [e.at for e in view.events if e.to_status == "estimate_sent"]
            repairs.append(
                RepairStatus(
                    job_id=view.id,
                    vehicle=view.vehicle or "-",
                    agency_name=view.agency_name,
                    status=view.status,
                    expected_completion=view.expected_completion,
                    estimate_sent_at=max(sent) if sent else None,
                )
            )
        return repairs


def status_words(status: str, language: str | None) -> str:
    """The status in plain words: 'travaux en cours' / 'work in progress'."""
    return i18n.text(CONTEXT, f"status_{status}", language)


def repair_details(repair: RepairStatus, tz: str, language: str | None) -> str:
    """What follows the status in the chat answer: the day the estimate was sent (while it
    waits for the customer), the expected completion; '' when neither applies."""
    parts = []
    if repair.status == "estimate_sent" and repair.estimate_sent_at is not None:
        day = format_short_date(local_time(repair.estimate_sent_at, tz).date(), language)
        parts.append(i18n.text(CONTEXT, "estimate_sent_on", language, day=day))
    expected = expected_text(repair.status, repair.expected_completion, tz, language)
    if expected:
        parts.append(expected)
    return "".join(f" {part}" for part in parts)


def expected_text(status: str, when: datetime | None, tz: str, language: str | None) -> str:
    """' Fin prévue : mar. 9 déc. 17:00.' while the work is to come or under way; ''."""
    if when is None or status not in EXPECTED_SHOWN:
        return ""
    return i18n.text(CONTEXT, "expected", language, when=format_slot(when, tz, language))


def notice_text(
    status: str,
    language: str | None,
    *,
    vehicle: str,
    agency: str,
    address: str,
    phone: str,
    expected: str = "",
) -> str:
    """The message that tells the customer their job reached `status` (the opening is
    'received'), with the expected completion text when there is one."""
    text = i18n.text(
        CONTEXT,
        f"notice_{status}",
        language,
        vehicle=vehicle,
        agency=agency,
        address=address,
        phone=phone,
    )
    return f"{text} {expected}" if expected else text


def pickup_subject(language: str | None) -> str:
    """The e-mail subject of the 'ready for pickup' notice."""
    return i18n.text(CONTEXT, "pickup_subject", language)
