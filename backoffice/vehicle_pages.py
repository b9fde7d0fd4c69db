"""A vehicle's page for the workshop's staff (issue 16): the vehicle, its owner's first name,
its history (returned jobs, past visits), its mileage readings and maintenance reminder, and
a form to add a reading (mechanic, advisor, manager, admin: `VehiclePage`). Server-rendered,
the form posts the session's CSRF token; the values come from backoffice/api/vehicles.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from backoffice.api.deps import Core, CoreDep
from backoffice.api.vehicles import history_out
from backoffice.auth import StaffSession, form_fields
from backoffice.page_auth import VehiclePage
from backoffice.staff_pages import page_lang
from backoffice.texts import texts
from backoffice.views import Alert
from backoffice.workshop_layout import alerts, timezone_of, workshop_page
from core import mileage
from core.errors import InvalidValue, NotFound
from core.formatting import format_number, format_short_date, local_time
from core.i18n import messages

router = APIRouter(prefix="/staff", include_in_schema=False)
VehicleId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def vehicle_texts(language: str) -> dict[str, str]:
    return {**texts(language), **messages("vehicle_history", language)}


@router.get("/vehicles/{vehicle_id}")
async def get_vehicle_page(
    vehicle_id: VehicleId, request: Request, core: CoreDep, session: VehiclePage
) -> Response:
    """The vehicle's history, readings and reminder, with the reading form."""
    return await _page(request, core, session, vehicle_id)


@router.post("/vehicles/{vehicle_id}/readings")
async def post_vehicle_reading(
    vehicle_id: VehicleId, request: Request, core: CoreDep, session: VehiclePage
) -> Response:
    """Add the odometer read by the staff member; a reading going back is refused."""
    t = vehicle_texts(page_lang(request))
    typed = (await form_fields(request)).get("km", "").replace(" ", "").strip()
    try:
        if not typed.isdigit() or len(typed) > 7:
            raise InvalidValue("not_a_mileage", "not a mileage")
        await core.run(
            mileage.record_reading,
            vehicle_id,
            int(typed),
            source="staff",
            read_at=core.now(),
            staff_id=session.staff.id,
        )
    except InvalidValue as error:
        text = t.get(f"code_{error.code}", t["code_not_a_mileage"])
        return await _page(request, core, session, vehicle_id, alerts((text, "error")), 422)
    except NotFound:
        return await _page(request, core, session, vehicle_id)
    return await _page(request, core, session, vehicle_id, alerts((t["reading_added"], "success")))


async def _page(
    request: Request,
    core: Core,
    session: StaffSession,
    vehicle_id: int,
    alert: Sequence[Alert] = (),
    status: int = 200,
) -> Response:
    lang = page_lang(request)
    t = vehicle_texts(lang)
    tz = timezone_of(core)
    try:
        found = await core.read(history_out, vehicle_id, core.now())
    except NotFound:
        return workshop_page(
            request,
            session,
            "vehicle.html",
            page="vehicle",
            title_key="vehicle_title",
            lead_key="vehicle_unknown",
            texts=t,
            vehicle=None,
            status=404,
        )

    def day(value) -> str:  # type: ignore[no-untyped-def]
        return format_short_date(value, lang) if value else t["unknown"]

    reminder = found.reminder
    reminder_text = (
        t["reminder_none"]
        if reminder is None
        else t["reminder_on"]
        if reminder.active
        else t["reminder_off"]
    )
    return workshop_page(
        request,
        session,
        "vehicle.html",
        page="vehicle",
        title_key="vehicle_title",
        lead_key="vehicle_lead",
        texts=t,
        alerts=alert,
        status=status,
        vehicle=found,
        facts=[
            (t["owner"], found.owner_first_name),
            (t["year"], str(found.year) if found.year else t["unknown"]),
            (t["last_service"], day(found.last_service)),
            (
                t["latest_km"],
                f"{format_number(found.latest_km, lang)} km"
                if found.latest_km is not None
                else t["unknown"],
            ),
            (t["next_due"], day(found.next_service_due)),
            (t["reminder"], reminder_text),
        ],
        entries=[
            {
                "day": day(e.day),
                "kind": t[f"kind_{e.kind}"],
                "what": e.what,
                "agency": e.agency_name,
                "reference": e.booking_reference or "",
                "status": t.get(f"status_{e.status}", e.status),
            }
            for e in found.entries
        ],
        readings=[
            {
                "when": day(local_time(r.read_at, tz).date()),
                "km": format_number(r.km, lang),
                "source": t[f"source_{r.source}"],
                "by": r.staff_name or r.booking_reference or "",
            }
            for r in found.readings
        ],
    )
