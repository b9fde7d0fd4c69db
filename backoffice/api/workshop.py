"""JSON equivalents of the workshop staff pages: service settings (admin) with the conflict
preview, callbacks and complaints (staff). Session cookie + X-CSRF-Token on writes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from backoffice.api.deps import CoreDep
from backoffice.auth import ConversationStaff, CurrentAdmin
from backoffice.customer_notice import conversation_by_id, tell_conversation
from backoffice.service_pages import tell_cancelled
from backoffice.workshop_layout import catalogue
from backoffice.workshop_texts import workshop_texts
from core import feedback, workshop
from core.calendars import local_day
from core.errors import SettingsConflict
from core.service_settings import (
    CalendarSettings,
    Conflict,
    apply_settings,
    get_settings,
    settings_conflicts,
)

router = APIRouter(prefix="/api", tags=["workshop"])

Code = Annotated[str, Path(pattern=r"^[a-z0-9_-]{1,40}$")]
Reference = Annotated[str, Path(pattern=r"^[A-Za-z]{2}-[A-Za-z0-9]{1,12}$")]


class SettingsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    capacity: int
    staff_count: int
    slot_minutes: int
    opening_hours: dict[str, list[tuple[str, str]]] = Field(
        description='{"mon": [["09:00", "12:00"], ["14:00", "18:00"]], ...}; absent = closed'
    )
    closed_dates: list[date] = Field(default_factory=list, max_length=366)

    def settings(self) -> CalendarSettings:
        hours = {day: [list(r) for r in ranges] for day, ranges in self.opening_hours.items()}
        return CalendarSettings(
            self.capacity, self.staff_count, self.slot_minutes, hours, list(self.closed_dates)
        )


class ApplyBody(SettingsBody):
    conflicts: Literal["refuse", "keep", "cancel"] = "refuse"
    seen: list[str] | None = Field(
        default=None, description="references of the conflicts the admin was shown"
    )


class ConflictOut(BaseModel):
    reference: str
    start: datetime
    customer: str | None
    channel: str
    reason: str


def conflict_out(conflict: Conflict) -> ConflictOut:
    b = conflict.booking
    return ConflictOut(
        reference=b.reference,
        start=b.start_utc,
        customer=b.customer_name,
        channel=b.channel,
        reason=conflict.reason,
    )


def settings_out(settings: CalendarSettings) -> dict:
    return {
        "capacity": settings.capacity,
        "staff_count": settings.staff_count,
        "slot_minutes": settings.slot_minutes,
        "opening_hours": settings.opening_hours,
        "closed_dates": [d.isoformat() for d in settings.closed_dates],
    }


@router.get("/admin/services/{agency}/{service}")
async def read_service_settings(
    agency: Code, service: Code, admin: CurrentAdmin, core: CoreDep
) -> dict:
    """The settings of one agency's service (closed dates from today on)."""
    today = local_day(core.now(), core.uow_factory().timezone)
    return settings_out(await core.run(get_settings, agency, service, today=today))


@router.post("/admin/services/{agency}/{service}/conflicts", response_model=list[ConflictOut])
async def preview_service_settings(
    agency: Code, service: Code, body: SettingsBody, admin: CurrentAdmin, core: CoreDep
) -> list[ConflictOut]:
    """The upcoming bookings these settings would not hold (nothing is changed)."""
    found = await core.run(settings_conflicts, agency, service, body.settings(), core.now())
    return [conflict_out(c) for c in found]


@router.put("/admin/services/{agency}/{service}")
async def update_service_settings(
    agency: Code,
    service: Code,
    body: ApplyBody,
    request: Request,
    admin: CurrentAdmin,
    core: CoreDep,
) -> JSONResponse:
    """Apply the settings; 409 with the conflicts unless `conflicts` says keep or cancel."""
    try:
        result = await core.run(
            apply_settings,
            agency,
            service,
            body.settings(),
            core.now(),
            conflicts=body.conflicts,
            seen=body.seen,
        )
    except SettingsConflict as exc:
        error = {
            "code": exc.code,
            "message": exc.message,
            "conflicts": [conflict_out(c).model_dump(mode="json") for c in exc.conflicts],
        }
        return JSONResponse({"error": error}, status_code=409)
    told, not_told = await tell_cancelled(request, core, await catalogue(core), result.cancelled)
    return JSONResponse(
        {
            "settings": settings_out(result.settings),
            "cancelled": [b.reference for b in result.cancelled],
            "kept": [c.booking.reference for c in result.kept],
            "customers_told": told,
            "customers_not_told": not_told,
        }
    )


class CloseCallbackBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(default="", max_length=2000)


@router.get("/staff/callbacks")
async def list_callback_tasks(
    staff: ConversationStaff, core: CoreDep, status: Literal["open", "done", "all"] = "open"
) -> list[dict]:
    """Callback tasks (open ones by default), oldest first."""
    tasks = await core.run(workshop.list_callbacks, None if status == "all" else status)
    return [t.__dict__ for t in tasks]


@router.post("/staff/callbacks/{reference}/close")
async def close_callback_task(
    reference: Reference, body: CloseCallbackBody, staff: ConversationStaff, core: CoreDep
) -> dict:
    """Close a callback task with the outcome of the call."""
    closed = await core.run(
        workshop.close_callback, reference, staff_id=staff.id, outcome=body.outcome, now=core.now()
    )
    return closed.__dict__


class AnswerBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str = Field(default="", max_length=feedback.ANSWER_MAX_CHARS)
    close: bool = False


@router.get("/staff/complaints")
async def list_complaint_tickets(
    staff: ConversationStaff,
    core: CoreDep,
    status: Literal["open", "answered", "closed", "all"] = "all",
) -> list[dict]:
    """Complaints, newest first."""
    found = await core.run(feedback.list_complaints, None if status == "all" else status)
    return [c.__dict__ for c in found]


@router.post("/staff/complaints/{reference}/answer")
async def answer_complaint_ticket(
    reference: Reference,
    body: AnswerBody,
    request: Request,
    staff: ConversationStaff,
    core: CoreDep,
) -> dict:
    """Answer and/or close a complaint; the customer is told in their conversation."""
    updated = await core.run(
        feedback.answer_complaint,
        reference,
        staff_id=staff.id,
        answer=body.answer,
        close=body.close,
        now=core.now(),
    )
    hub = request.app.state.hub
    conversation = await conversation_by_id(hub, updated.conversation_id)
    told = False
    if conversation is not None:
        t = workshop_texts("en" if conversation.language == "en" else "fr")
        answer = body.answer.strip()
        text = (
            t["complaint_notice"].format(reference=updated.reference, answer=answer)
            if answer
            else t["complaint_closed_notice"].format(reference=updated.reference)
        )
        told = await tell_conversation(hub, conversation, text)
    return {**updated.__dict__, "customer_told": told}
