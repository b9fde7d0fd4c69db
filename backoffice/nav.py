"""The one navigation of the staff pages: which links each role sees, in French or English,
and the top bar that carries them (brand, links, who is signed in, sign out)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from backoffice.auth import StaffSession
from backoffice.templating import Safe, tag, void
from backoffice.texts import page_language, texts


@dataclass(frozen=True)
class NavItem:
    page: str
    path: str
    fr: str
    en: str
    admin_only: bool = False
    development_only: bool = False


NAV = (
    NavItem("console", "/staff/console", "Console", "Console"),
    NavItem("bookings", "/staff/bookings", "Réservations", "Bookings"),
    NavItem("callbacks", "/staff/callbacks", "Rappels", "Callbacks"),
    NavItem("complaints", "/staff/complaints", "Réclamations", "Complaints"),
    NavItem("surveys", "/staff/surveys", "Satisfaction", "Satisfaction"),
    NavItem("services", "/staff/admin/services", "Services", "Services", admin_only=True),
    NavItem("rules", "/staff/admin/rules", "Règles", "Rules", admin_only=True),
    NavItem("models", "/staff/admin/models", "Modèles", "Models", admin_only=True),
    NavItem("answers", "/staff/admin/answers", "Réponses", "Answers", admin_only=True),
    NavItem("rooms", "/staff/admin/rooms", "Salons", "Rooms", admin_only=True),
    NavItem(
        "notifications",
        "/staff/admin/notifications",
        "Notifications",
        "Notifications",
        admin_only=True,
    ),
    NavItem("admin", "/staff/admin/tokens", "Administration", "Administration", admin_only=True),
    # the outbox serves every staff user (one-time codes), so advisors see it too
    NavItem("outbox", "/staff/outbox", "Boîte d'envoi", "Outbox", development_only=True),
)
NAV_LABEL = {"fr": "Navigation du personnel", "en": "Staff navigation"}


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


def nav_links(lang: str, role: str, env: str, current: str) -> Safe:
    """The menu's links, the current page marked with aria-current."""
    return Safe(
        "".join(
            tag(
                "a",
                item.en if lang == "en" else item.fr,
                class_="bar-link",
                href=item.path,
                aria_current="page" if item.page == current else None,
                data_nav=item.page,
            )
            for item in visible_items(role, env)
        )
    )


def staff_bar(
    request: Request, session: StaffSession, *, current: str, title: str, extra: str = ""
) -> Safe:
    """The top bar of every signed-in staff page; `extra`, markup, goes after the brand
    (the console's connection state)."""
    lang = page_language(request.headers.get("accept-language"))
    t = texts(lang)
    staff = session.staff
    env = request.app.state.settings.env
    brand = tag(
        "p",
        Safe(
            tag("span", "P", class_="brand-mark", aria_hidden="true")
            + tag("span", Safe("Pitlane " + tag("strong", title)))
        ),
        class_="brand",
    )
    who = tag(
        "span",
        Safe(
            tag("span", staff.name, data_console="staff-name")
            + " "
            + tag("span", t[f"role_{staff.role}"], class_="role")
        ),
        class_="who",
    )
    logout = tag(
        "form",
        Safe(
            void("input", type="hidden", name="csrf_token", value=session.csrf_token)
            + tag(
                "button",
                t["sign_out"],
                class_="btn btn-quiet",
                type="submit",
                data_console="logout",
            )
        ),
        method="post",
        action="/staff/logout",
    )
    top = tag(
        "div",
        Safe(brand + Safe(extra) + tag("div", Safe(who + logout), class_="bar-end")),
        class_="bar-top",
    )
    nav = tag(
        "nav",
        nav_links(lang, staff.role, env, current),
        class_="bar-nav",
        aria_label=NAV_LABEL[lang],
        data_staff_nav="",
    )
    return Safe(tag("header", Safe(top + nav), class_="bar"))
