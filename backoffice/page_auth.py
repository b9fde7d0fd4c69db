"""Who may see a staff page: `StaffPage` and `AdminPage`, dependencies that raise.

They are the pages' counterparts of the JSON API's `CurrentStaff` and `CurrentAdmin`
(backoffice/auth.py, which answer 401/403 in JSON and give a StaffView): a page asked
without a session redirects to the sign-in form; a form posted without the session's CSRF
token, or an admin page asked by an advisor, gets the 403 staff error page. The route never
sees a request it must turn away: `PageDenied` is answered by `views.page_denied_answer`,
the handler the app registers (backoffice/errors.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from backoffice.api.deps import CoreDep
from backoffice.auth import (
    SAFE_METHODS,
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


def admin_page_session(
    session: Annotated[StaffSession, Depends(staff_page_session)],
) -> StaffSession:
    """The signed-in admin; an advisor gets the 403 page."""
    if session.staff.role != "admin":
        raise PageDenied("error_forbidden")
    return session


SignedInPage = Annotated[StaffSession, Depends(signed_in_page_session)]
StaffPage = Annotated[StaffSession, Depends(staff_page_session)]
AdminPage = Annotated[StaffSession, Depends(admin_page_session)]
