"""The one navigation of the staff pages: which links each role sees, in French or English
(the `nav` context of the catalogues, by page), and the top bar that carries them (brand,
links, who is signed in, sign out).

Each link names the roles of its page's dependency (backoffice/auth.py), so a member never
sees a link that would answer 403; a member's home is the first link they see."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from backoffice.auth import (
    ADMIN_STAFF,
    AGENCY_STAFF,
    ANY_STAFF,
    CONVERSATION_STAFF,
    INVOICE_STAFF,
    MECHANIC_PLANNING_STAFF,
    PLANNING_STAFF,
    WORKSHOP_STAFF,
    StaffSession,
)
from backoffice.texts import page_language, texts
from core import i18n


@dataclass(frozen=True)
class NavItem:
    """A link of the menu; its label is the `nav` text named after its page."""

    page: str
    path: str
    roles: frozenset[str]
    development_only: bool = False


NAV = (
    NavItem("console", "/staff/console", CONVERSATION_STAFF),
    NavItem("bookings", "/staff/bookings", WORKSHOP_STAFF),
    # a mechanic's planning (issue 16): a mechanic's home; after the bookings for managers
    NavItem("workshop", "/staff/workshop", MECHANIC_PLANNING_STAFF),
    NavItem("invoices", "/staff/invoices", INVOICE_STAFF),  # invoices, credit notes (issue 16)
    NavItem("callbacks", "/staff/callbacks", CONVERSATION_STAFF),
    NavItem("complaints", "/staff/complaints", CONVERSATION_STAFF),
    NavItem("surveys", "/staff/surveys", WORKSHOP_STAFF),
    NavItem("reviews", "/staff/reviews", WORKSHOP_STAFF),  # reviews' moderation (issue 16)
    # issue 16: the manager's planning (advisors read it) and dashboard
    NavItem("planning", "/staff/planning", WORKSHOP_STAFF),
    NavItem("dashboard", "/staff/dashboard", PLANNING_STAFF),
    NavItem("account", "/staff/account/totp", ANY_STAFF),  # two-factor authentication (issue 14)
    NavItem("services", "/staff/admin/services", ADMIN_STAFF),
    NavItem("rules", "/staff/admin/rules", ADMIN_STAFF),
    NavItem("models", "/staff/admin/models", ADMIN_STAFF),
    NavItem("answers", "/staff/admin/answers", ADMIN_STAFF),
    NavItem("canned", "/staff/admin/canned-replies", ADMIN_STAFF),  # the console's (issue 17)
    NavItem("rooms", "/staff/admin/rooms", ADMIN_STAFF),
    NavItem("notifications", "/staff/admin/notifications", ADMIN_STAFF),
    NavItem("admin", "/staff/admin/tokens", ADMIN_STAFF),
    NavItem("team", "/staff/admin/team", ADMIN_STAFF),  # staff accounts (issue 14)
    # the outbox shows customers' one-time codes: admins only (issue 14)
    NavItem("outbox", "/staff/outbox", ADMIN_STAFF, development_only=True),
    # issue 16: the agencies (admins; a manager their own agency)
    NavItem("agencies", "/staff/admin/agencies", AGENCY_STAFF),
)


def visible_items(role: str, env: str) -> list[NavItem]:
    """The links `role` may follow in the `env` deployment, in menu order."""
    return [
        item
        for item in NAV
        if role in item.roles and (env == "development" or not item.development_only)
    ]


def home_path(role: str, env: str) -> str:
    """Where a member lands after signing in (and from /staff): their first link (the
    console for advisors and admins, the bookings for managers, their planning for
    mechanics)."""
    return visible_items(role, env)[0].path


def first_admin_path() -> str:
    """Where /staff/admin leads an admin: the first admin page of the menu."""
    return next(item.path for item in NAV if item.roles == ADMIN_STAFF)


@dataclass(frozen=True)
class NavLink:
    page: str
    path: str
    label: str
    current: bool


@dataclass(frozen=True)
class StaffBar:
    """What the top bar (templates/partials/bar.html) shows; `connecting`: the console's
    connection state, shown after the brand."""

    title: str
    staff_name: str
    role_label: str
    sign_out: str
    csrf_token: str
    nav_label: str
    links: list[NavLink]
    connecting: str = ""


def nav_links(lang: str, role: str, env: str, current: str) -> list[NavLink]:
    """The menu's links, the current page marked."""
    return [
        NavLink(item.page, item.path, i18n.text("nav", item.page, lang), item.page == current)
        for item in visible_items(role, env)
    ]


def staff_bar(
    request: Request, session: StaffSession, *, current: str, title: str, connecting: str = ""
) -> StaffBar:
    """The top bar of every signed-in staff page."""
    lang = page_language(request.headers.get("accept-language"))
    t = texts(lang)
    staff = session.staff
    return StaffBar(
        title=title,
        staff_name=staff.name,
        role_label=t[f"role_{staff.role}"],
        sign_out=t["sign_out"],
        csrf_token=session.csrf_token,
        nav_label=i18n.text("nav", "label", lang),
        links=nav_links(lang, staff.role, request.app.state.settings.env, current),
        connecting=connecting,
    )
