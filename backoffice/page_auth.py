"""Who may see a staff page: `StaffPage` (any role: their own account), `ConversationPage`,
`WorkshopPage` and `AdminPage`, dependencies that raise.

They are the pages' counterparts of the JSON API's `CurrentStaff`, `ConversationStaff`,
`WorkshopStaff` and `CurrentAdmin` (backoffice/auth.py, with the same role sets, which
answer 401/403 in JSON and give a StaffView): a page asked without a session redirects to
the sign-in form; a form posted without the session's CSRF token, or a page asked by a role
outside its set, gets the 403 staff error page. The route never
sees a request it must turn away: `PageDenied` is answered by `views.page_denied_answer`,
the handler the app registers (backoffice/errors.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from backoffice.api.deps import CoreDep
from backoffice.auth import (
    ADMIN_STAFF,
    AGENCY_STAFF,
    ASSIGNING_STAFF,
    CONVERSATION_STAFF,
    ESTIMATE_DECISION_STAFF,
    INVOICE_STAFF,
    JOB_STAFF,
    MECHANIC_PLANNING_STAFF,
    PLANNING_STAFF,
    REVIEW_MODERATORS,
    SAFE_METHODS,
    VEHICLE_STAFF,
    WORKSHOP_STAFF,
    StaffSession,
    csrf_valid,
    needs_totp_enrolment,
    read_session,
)
from backoffice.views import PageDenied


async def signed_in_page_session(request: Request, core: CoreDep) -> StaffSession:
    """The signed-in staff user, two-factor enrolment done or not (the enrolment pages and
    signing out); a form (any unsafe method) must carry the CSRF token."""
    session = await read_session(request, core)
    if session is None:
        raise PageDenied("login")
    if request.method not in SAFE_METHODS and not await csrf_valid(request, session):
        raise PageDenied("error_csrf")
    return session


def staff_page_session(
    request: Request, session: Annotated[StaffSession, Depends(signed_in_page_session)]
) -> StaffSession:
    """The signed-in staff user; an admin who must enrol TOTP is sent to enrolment first."""
    if needs_totp_enrolment(request, session.staff):
        raise PageDenied("totp_enrolment")
    return session


def page_for_roles(roles: frozenset[str]) -> Callable[[StaffSession], StaffSession]:
    """A dependency: the signed-in staff user when their role is in `roles`, else the 403
    page."""

    def page_session_in_roles(
        session: Annotated[StaffSession, Depends(staff_page_session)],
    ) -> StaffSession:
        if session.staff.role not in roles:
            raise PageDenied("error_forbidden")
        return session

    return page_session_in_roles


SignedInPage = Annotated[StaffSession, Depends(signed_in_page_session)]
StaffPage = Annotated[StaffSession, Depends(staff_page_session)]  # their own account only
ConversationPage = Annotated[StaffSession, Depends(page_for_roles(CONVERSATION_STAFF))]
WorkshopPage = Annotated[StaffSession, Depends(page_for_roles(WORKSHOP_STAFF))]
AdminPage = Annotated[StaffSession, Depends(page_for_roles(ADMIN_STAFF))]
# issue 16: the invoices page (advisors, managers, admins)
InvoicePage = Annotated[StaffSession, Depends(page_for_roles(INVOICE_STAFF))]
# repair jobs (issue 16): backoffice/job_pages.py
JobPage = Annotated[StaffSession, Depends(page_for_roles(JOB_STAFF))]
MechanicPlanningPage = Annotated[StaffSession, Depends(page_for_roles(MECHANIC_PLANNING_STAFF))]
AssigningPage = Annotated[StaffSession, Depends(page_for_roles(ASSIGNING_STAFF))]
PlanningPage = Annotated[StaffSession, Depends(page_for_roles(PLANNING_STAFF))]
ReviewModerationPage = Annotated[StaffSession, Depends(page_for_roles(REVIEW_MODERATORS))]

# issue 16, vehicle history
VehiclePage = Annotated[StaffSession, Depends(page_for_roles(VEHICLE_STAFF))]
# the estimate page's counter decision (backoffice/estimate_pages.py)
EstimateDecisionPage = Annotated[StaffSession, Depends(page_for_roles(ESTIMATE_DECISION_STAFF))]
# issue 16: the agencies' page (admins; a manager their own agency: backoffice/agency_pages.py)
AgencyPage = Annotated[StaffSession, Depends(page_for_roles(AGENCY_STAFF))]
