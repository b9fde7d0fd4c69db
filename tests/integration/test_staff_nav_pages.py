"""What every staff page shares and the QA polish: one navigation for every page (links by
role, the current page marked, French or English), /staff/admin, HTML error pages for
browsers, the complaints filter kept after an answer, the outbox in the staff frame and in
Paris time, readable bookings, a notification history that shows the outcome of "send now"."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta, timezone
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from core import customers, feedback, notifications
from core.models import Customer, OutboxMessage
from tests.integration.staff_web_support import (
    ADMIN,
    ADVISOR,
    MANAGER,
    MECHANIC,
    login,
    units_of_work,
)
from tests.integration.test_workshop_pages import customer, diagnostic_booking
from tests.integration.web_support import web_client

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
# issue 16: the mechanic's planning, invoices, the manager's planning (advisors read it) and
# the dashboard (managers and admins)
EVERYONE = ["console", "bookings", "invoices", "callbacks", "complaints", "surveys"]
EVERYONE += ["reviews", "planning", "account"]
MANAGERS = ["bookings", "workshop", "invoices", "surveys", "reviews", "planning", "dashboard"]
MANAGERS += ["account"]
MANAGERS += ["agencies"]  # issue 16: their own agency
MECHANICS = ["workshop", "account"]  # their planning (issue 16) and their account
ADMINS = ["services", "rules", "models", "answers", "rooms", "notifications", "admin", "team"]
ADMINS.insert(ADMINS.index("answers") + 1, "canned")  # issue 17: the console's canned replies
PAGES = {
    "console": "/staff/console",
    "bookings": "/staff/bookings",
    "workshop": "/staff/workshop",
    "invoices": "/staff/invoices",
    "callbacks": "/staff/callbacks",
    "complaints": "/staff/complaints",
    "surveys": "/staff/surveys",
    "reviews": "/staff/reviews",  # the menu's order (backoffice/nav.py): reviews, planning
    "planning": "/staff/planning",
    "dashboard": "/staff/dashboard",
    "account": "/staff/account/totp",
    "services": "/staff/admin/services",
    "rules": "/staff/admin/rules",
    "models": "/staff/admin/models",
    "answers": "/staff/admin/answers",
    "canned": "/staff/admin/canned-replies",  # issue 17
    "rooms": "/staff/admin/rooms",
    "notifications": "/staff/admin/notifications",
    "admin": "/staff/admin/tokens",
    "team": "/staff/admin/team",
    "outbox": "/staff/outbox",
    "agencies": "/staff/admin/agencies",  # issue 16: admins, and managers for their own
}
FRENCH = ["Console", "Réservations", "Atelier", "Factures", "Rappels", "Réclamations"]
FRENCH += ["Satisfaction", "Avis", "Planning", "Tableau de bord", "Mon compte"]
FRENCH += ["Services", "Règles", "Modèles", "Réponses", "Salons", "Notifications"]
FRENCH += ["Administration", "Équipe", "Boîte d'envoi"]
FRENCH += ["Agences"]
FRENCH.insert(FRENCH.index("Réponses") + 1, "Réponses types")  # issue 17
ENGLISH = ["Console", "Bookings", "Workshop", "Invoices", "Callbacks", "Complaints"]
ENGLISH += ["Satisfaction", "Reviews", "Planning", "Dashboard", "My account"]
ENGLISH += ["Services", "Rules", "Models", "Answers", "Rooms", "Notifications"]
ENGLISH += ["Administration", "Team", "Outbox"]
ENGLISH += ["Agencies"]
ENGLISH.insert(ENGLISH.index("Answers") + 1, "Canned replies")  # issue 17


def menu(page: str) -> tuple[list[str], list[str], list[str]]:
    """The one staff menu of a page: (link keys, labels, the key marked current)."""
    [nav] = re.findall(r'<nav class="bar-nav"[^>]*>(.*?)</nav>', page, flags=re.S)
    keys = re.findall(r'data-nav="([a-z]+)"', nav)
    labels = [unescape(label) for label in re.findall(r"<a [^>]*>([^<]*)</a>", nav)]
    current = re.findall(r'aria-current="page" data-nav="([a-z]+)"', nav)
    return keys, labels, current


def room_page(client: TestClient) -> str:
    answer = client.post("/api/admin/rooms", json={"name": "Balades", "capacity": 5})
    assert answer.status_code in (200, 201), answer.text
    return f"/staff/admin/rooms/{answer.json()['id']}"


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (MECHANIC, MECHANICS),
        (MANAGER, MANAGERS),
        (ADVISOR, EVERYONE),
        (ADMIN, EVERYONE + ["workshop", "dashboard"] + ADMINS + ["outbox", "agencies"]),
    ],
)
def test_every_staff_page_shows_the_one_menu_its_role_may_see(
    seeded_sqlite_url: str, who: tuple[str, str], allowed: list[str]
) -> None:
    with web_client(seeded_sqlite_url, env="development") as client:
        csrf = login(client, who)
        client.headers["X-CSRF-Token"] = csrf
        pages = {key: PAGES[key] for key in allowed}
        if who == ADMIN:
            pages["rooms-detail"] = room_page(client)
        answers = {key: client.get(path) for key, path in pages.items()}
    expected = [key for key in PAGES if key in allowed]
    for key, answer in answers.items():
        assert answer.status_code == 200, (key, answer.status_code)
        keys, labels, current = menu(answer.text)
        assert keys == expected, key
        assert labels == [FRENCH[list(PAGES).index(k)] for k in keys], key
        assert current == [key.removesuffix("-detail")], key
        assert answer.text.count('action="/staff/logout"') == 1, key


def test_an_advisor_sees_no_admin_link_and_the_outbox_only_in_development(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url) as client:  # env "test"
        login(client, ADVISOR)
        pages = [client.get(PAGES[key]).text for key in EVERYONE]
    for page in pages:
        keys, _, _ = menu(page)
        assert keys == EVERYONE
        assert "/staff/admin" not in page and "/staff/outbox" not in page


def test_the_menu_speaks_english_to_an_english_browser(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url, env="development") as client:
        login(client, ADMIN)
        english = {"Accept-Language": "en-GB,en;q=0.9"}
        pages = [client.get(PAGES[key], headers=english).text for key in ("console", "rooms")]
    for page in pages:
        _, labels, _ = menu(page)
        assert labels == ENGLISH
        assert "Sign out" in page


def test_staff_admin_leads_admins_to_the_first_admin_page_and_refuses_advisors(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        anonymous = client.get("/staff/admin", headers=HTML, follow_redirects=False)
        login(client, ADMIN)
        admin = client.get("/staff/admin", headers=HTML, follow_redirects=False)
    with web_client(seeded_sqlite_url) as client:
        login(client, ADVISOR)
        advisor = client.get("/staff/admin", headers=HTML, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/staff/login"
    assert admin.status_code == 303 and admin.headers["location"] == "/staff/admin/services"
    assert advisor.status_code == 403 and advisor.headers["content-type"].startswith("text/html")


def test_a_browser_gets_the_staff_error_page_never_json_and_scripts_still_get_json(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        login(client, ADVISOR)
        missing = client.get("/staff/admin/nowhere", headers=HTML)
        english = client.get("/staff/nowhere", headers={**HTML, "Accept-Language": "en"})
        invalid = client.get("/staff/attachments/abc", headers=HTML)
        script = client.get("/staff/nowhere", headers={"Accept": "application/json"})
        api = client.get("/api/nowhere", headers=HTML)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "Page introuvable" in unescape(missing.text) and '{"error"' not in missing.text
    assert english.status_code == 404 and "Page not found" in english.text
    assert invalid.status_code in (404, 422)
    assert invalid.headers["content-type"].startswith("text/html")
    assert script.json()["error"]["code"] == "not_found"
    assert api.json()["error"]["code"] == "not_found"


def test_answering_a_complaint_keeps_the_filter_and_names_the_reference(
    seeded_sqlite_url: str,
) -> None:
    customer_id, conversation_id = customer(seeded_sqlite_url, "Léa Dupont")
    with units_of_work(seeded_sqlite_url) as new_uow:
        complaint = feedback.file_complaint(
            new_uow(),
            text="Ma moto n'était pas prête à l'heure prévue.",
            customer_id=customer_id,
            conversation_id=conversation_id,
            now=datetime.now(timezone.utc),
        )
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADVISOR)
        listed = client.get("/staff/complaints", params={"status": "all"})
        answered = client.post(
            f"/staff/complaints/{complaint.reference}",
            data={"csrf_token": csrf, "answer": "Toutes nos excuses.", "filter": "all"},
        )
    assert 'name="filter" value="all"' in listed.text
    assert answered.status_code == 200
    page = unescape(answered.text)
    assert f'data-complaint="{complaint.reference}"' in page  # still listed under "Tous"
    assert '<option value="all" selected>' in page
    assert f"Réclamation {complaint.reference} : Répondue." in page


def test_the_outbox_is_a_staff_page_in_paris_time(seeded_sqlite_url: str) -> None:
    sent = datetime(2025, 7, 14, 8, 5, 9, tzinfo=timezone.utc)  # 10:05 in Paris (summer)
    with units_of_work(seeded_sqlite_url) as new_uow:
        uow = new_uow()
        with uow:
            uow.session.add(
                OutboxMessage(
                    transport="sms",
                    destination="+33612345642",
                    subject=None,
                    body="Votre code : 424242",
                    created_at=sent,
                )
            )
            uow.commit()
    with web_client(seeded_sqlite_url, env="development") as client:
        login(client, ADMIN)
        page = unescape(client.get("/staff/outbox").text)
    assert "/assets/workshop.css" in page and 'class="admin workshop"' in page
    assert menu(page)[2] == ["outbox"]
    assert "14/07/2025 10:05:09" in page and "08:05:09" not in page
    assert "Date (fuseau Europe/Paris)" in page


def test_bookings_show_readable_channels_contacts_and_all_services(
    seeded_sqlite_url: str,
) -> None:
    customer_id, _ = customer(seeded_sqlite_url, "Camille Martin")
    with units_of_work(seeded_sqlite_url) as new_uow:
        uow = new_uow()
        with uow:
            uow.session.execute(
                update(Customer)
                .where(Customer.id == customer_id)
                .values(phone="+33 6 12 34 56 78", email="camille@example.fr")
            )
            uow.commit()
    booking = diagnostic_booking(seeded_sqlite_url, customer_id, {})
    with web_client(seeded_sqlite_url) as client:
        login(client, ADVISOR)
        page = unescape(client.get("/staff/bookings").text)
    service_select = page[page.index('name="service"') :]
    assert service_select.split("</option>")[0].endswith(">Tous")
    row = page[page.index(f'data-booking="{booking.reference}"') :].split("</tr>")[0]
    assert ">Site web<" in row and ">web<" not in row
    assert 'href="tel:+33612345678"' in row and ">+33 6 12 34 56 78<" in row
    assert 'href="mailto:camille@example.fr"' in row
    assert ">Données de démo<" in page  # the seeded bookings


class SlowSender:
    """A Telegram stand-in that takes its time, as a real provider does."""

    channel = "telegram"

    async def send(self, external_id: str, message: object) -> str:
        await asyncio.sleep(0.5)
        return f"sent-{external_id}"


def test_send_now_shows_the_notification_sent_not_sending(seeded_sqlite_url: str) -> None:
    customer(seeded_sqlite_url, "Léo Petit", channel="telegram")
    with web_client(seeded_sqlite_url) as client:
        client.app.state.hub.senders["telegram"] = SlowSender()
        csrf = login(client, ADMIN)
        answer = client.post(
            "/staff/admin/notifications",
            data={
                "csrf_token": csrf,
                "title": "Promo pneus",
                "body": "-10 % sur les pneus",
                "audience": "all",
                "language": "",
                "action": "send",
            },
        )
    page = unescape(answer.text)
    assert answer.status_code == 200
    row = page[page.index("Promo pneus</td>") :].split("</tr>")[0]
    assert "Envoyée" in row and "En cours d'envoi" not in row
    assert '<td data-admin="received">1</td>' in row
    assert 'http-equiv="refresh"' not in page


def test_the_history_refreshes_itself_while_a_notification_is_sending(
    seeded_sqlite_url: str,
) -> None:
    with units_of_work(seeded_sqlite_url) as new_uow:
        notifications.create_notification(
            new_uow(), title="En route", body="…", now=datetime.now(timezone.utc)
        )
    with web_client(seeded_sqlite_url) as client:
        login(client, ADMIN)
        page = client.get("/staff/admin/notifications").text
    assert '<meta http-equiv="refresh" content="3; url=/staff/admin/notifications">' in page
    assert "<script" not in page


def test_erased_customers_have_no_contacts(seeded_sqlite_url: str) -> None:
    customer_id, _ = customer(seeded_sqlite_url, "Ancien Client")
    with units_of_work(seeded_sqlite_url) as new_uow:
        assert customers.contacts_of(new_uow(), [customer_id])[customer_id][1]
        uow = new_uow()
        with uow:
            uow.session.execute(
                update(Customer)
                .where(Customer.id == customer_id)
                .values(erased_at=datetime.now(timezone.utc) - timedelta(days=1))
            )
            uow.commit()
        assert customers.contacts_of(new_uow(), [customer_id, 999999]) == {}
