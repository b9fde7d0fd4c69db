"""The one navigation of the staff pages: which links each role sees, in French or English
(the `nav` context of the catalogues, by page), and the top bar that carries them (brand,
links, who is signed in, sign out)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from backoffice.auth import StaffSession
from backoffice.texts import page_language, texts
from core import i18n


@dataclass(frozen=True)
class NavItem:
    """A link of the menu; its label is the `nav` text named after its page."""

    page: str
    path: str
    admin_only: bool = False
    development_only: bool = False


NAV = (
    NavItem("console", "/staff/console"),
    NavItem("bookings", "/staff/bookings"),
    NavItem("callbacks", "/staff/callbacks"),
    NavItem("complaints", "/staff/complaints"),
    NavItem("surveys", "/staff/surveys"),
    NavItem("account", "/staff/account/totp"),  # two-factor authentication (issue 14)
    NavItem("services", "/staff/admin/services", admin_only=True),
    NavItem("rules", "/staff/admin/rules", admin_only=True),
    NavItem("models", "/staff/admin/models", admin_only=True),
    NavItem("answers", "/staff/admin/answers", admin_only=True),
    NavItem("rooms", "/staff/admin/rooms", admin_only=True),
    NavItem("notifications", "/staff/admin/notifications", admin_only=True),
    NavItem("admin", "/staff/admin/tokens", admin_only=True),
    NavItem("team", "/staff/admin/team", admin_only=True),  # staff accounts (issue 14)
    # the outbox shows customers' one-time codes: admins only (issue 14)
    NavItem("outbox", "/staff/outbox", admin_only=True, development_only=True),
)


def visible_items(role: str, env: str) -> list[NavItem]:
    """The links `role` may follow in the `env` deployment, in menu order."""
    return [
        item
        for item in NAV
        if (role == "admin" or not item.admin_only)
        and (env == "development" or not item.development_only)
    ]


def first_admin_path() -> str:
    """Where /staff/admin leads an admin: the first admin page of the menu."""
    return next(item.path for item in NAV if item.admin_only)


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
