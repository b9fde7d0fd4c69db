"""The admin page of the group's rules: reminder and survey delays, the 1000 km visit's
eligibility (core/group_rules.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields as dataclass_fields

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backoffice.api.deps import CoreDep
from backoffice.auth import StaffSession, form_fields
from backoffice.page_auth import AdminPage
from backoffice.staff_pages import page_lang
from backoffice.views import Alert
from backoffice.workshop_layout import alerts, workshop_page
from backoffice.workshop_texts import code_text, workshop_texts
from core.errors import InvalidValue
from core.group_rules import GroupRules, get_rules, update_rules

router = APIRouter(prefix="/staff/admin", include_in_schema=False)

PATH = "/staff/admin/rules"
# form field -> its label's text key, in the order shown, by fieldset
FIELDSETS = (
    (
        "rules_reminders",
        (
            ("reminder_hours_before", "rules_reminder_hours"),
            ("survey_delay_hours", "rules_survey_hours"),
        ),
    ),
    (
        "rules_visit",
        (
            ("visit_1000_min_km", "rules_min_km"),
            ("visit_1000_max_km", "rules_max_km"),
            ("visit_1000_max_age_days", "rules_max_age"),
        ),
    ),
)


@router.get("/rules")
async def get_rules_page(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """Admins: the rules in force, in a form."""
    rules = await core.run(get_rules)
    return _page(request, session, _as_form(rules))


@router.post("/rules")
async def post_rules_form(request: Request, core: CoreDep, session: AdminPage) -> Response:
    """Save the rules; a value out of range is refused with the reason, nothing changes."""
    t = workshop_texts(page_lang(request))
    typed = await form_fields(request)
    values = {f.name: typed.get(f.name, "").strip() for f in dataclass_fields(GroupRules)}
    try:
        rules = GroupRules(**{name: _whole(text) for name, text in values.items()})
        saved = await core.run(update_rules, rules)
    except InvalidValue as exc:
        problem = t["error_rules"].format(message=code_text(t, exc.code, exc.message))
        return _page(request, session, values, alerts((problem, "error")), 422)
    return _page(request, session, _as_form(saved), alerts((t["rules_saved"], "success")))


def _whole(text: str) -> int:
    if not text.lstrip("-").isdigit() or len(text) > 9:
        raise InvalidValue("not_a_number", "a whole number is expected")
    return int(text)


def _as_form(rules: GroupRules) -> dict[str, str]:
    return {f.name: str(getattr(rules, f.name)) for f in dataclass_fields(GroupRules)}


def _page(
    request: Request,
    session: StaffSession,
    values: dict[str, str],
    alert: Sequence[Alert] = (),
    status: int = 200,
) -> Response:
    return workshop_page(
        request,
        session,
        "rules.html",
        page="rules",
        title_key="rules_title",
        lead_key="rules_lead",
        alerts=alert,
        status=status,
        action=PATH,
        fieldsets=FIELDSETS,
        values=values,
    )
