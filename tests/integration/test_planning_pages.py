"""The planning pages on the real app (seeded SQLite): the manager's planning opens on their
agency, a request is moved from it, the dashboard draws its charts with the numbers as
tables, the bookings list pages and records a no-show, an admin ties a member to an agency."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from core.models import Booking
from tests.integration.staff_web_support import ADMIN, ADVISOR, MANAGER, login, units_of_work
from tests.integration.test_workshop_pages import customer, diagnostic_booking
from tests.integration.web_support import web_client


def test_the_manager_sees_their_agency_and_moves_an_incoming_request(
    seeded_sqlite_url: str,
) -> None:
    customer_id, _ = customer(seeded_sqlite_url, "Camille Martin")
    booking = diagnostic_booking(seeded_sqlite_url, customer_id, {})
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, MANAGER)
        page = client.get("/staff/planning", params={"service": "diagnostic"})
        choices = re.findall(
            rf'action="/staff/planning/{booking.reference}/move[^"]*".*?<option value="([^"]+)"',
            page.text,
            flags=re.S,
        )
        moved = client.post(
            f"/staff/planning/{booking.reference}/move?agency=paris-nord&service=diagnostic",
            data={"csrf_token": csrf, "start": choices[0]},
        )
        forged = client.post(
            f"/staff/planning/{booking.reference}/move", data={"start": choices[0]}
        )
        nonsense = client.post(
            f"/staff/planning/{booking.reference}/move",
            data={"csrf_token": csrf, "start": "tomorrow"},
        )
    assert page.status_code == 200
    assert 'value="paris-nord" selected' in page.text  # the manager's own agency, only
    assert (
        re.findall(r'<select[^>]*name="agency".*?</select>', page.text, re.S)[0].count("<option")
        == 1
    )
    assert f'data-request="{booking.reference}"' in page.text
    assert 'data-planning="calendar"' in page.text and 'data-planning="mechanics"' in page.text
    assert "Karim Benali" in page.text
    assert moved.status_code == 200, moved.text
    assert f'data-request="{booking.reference}"' not in moved.text
    assert f'data-booking="{booking.reference}"' in moved.text or "déplacée" in moved.text
    assert forged.status_code == 403
    assert nonsense.status_code == 422
    with units_of_work(seeded_sqlite_url) as new_uow, new_uow() as uow:
        start = uow.session.scalar(
            select(Booking.start_utc).where(Booking.reference == booking.reference)
        )
    assert start == datetime.fromisoformat(choices[0])


def test_advisors_read_the_planning_without_its_actions_and_not_the_dashboard(
    seeded_sqlite_url: str,
) -> None:
    customer_id, _ = customer(seeded_sqlite_url, "Camille Martin")
    booking = diagnostic_booking(seeded_sqlite_url, customer_id, {})
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADVISOR)  # no agency of their own: they choose it
        page = client.get("/staff/planning", params={"agency": "paris-nord"})
        seen = client.post(f"/staff/planning/{booking.reference}/seen", data={"csrf_token": csrf})
        board = client.get("/staff/dashboard")
    assert page.status_code == 200 and f'data-request="{booking.reference}"' in page.text
    assert f"/staff/planning/{booking.reference}/seen" not in page.text
    assert seen.status_code == 403 and board.status_code == 403


def test_the_dashboard_draws_svg_charts_and_the_same_numbers_as_tables(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        login(client, MANAGER)
        own = client.get("/staff/dashboard")
        everyone = client.get("/staff/dashboard", params={"agency": "all"})
    assert own.status_code == 200
    assert 'value="paris-nord" selected' in own.text
    assert own.text.count('role="img"') == 3 and "<script" not in own.text.split("</head>")[1]
    weeks = re.findall(r'<tr><th scope="row">[^<]+</th><td>(\d+)</td>', own.text)
    bars = re.findall(r'data-chart="bookings".*?</svg>', own.text, flags=re.S)[0]
    assert len(weeks) == 12
    assert [int(n) for n in weeks] == [int(v) for v in re.findall(r'data-value="(\d+)"', bars)]
    assert sum(int(n) for n in weeks[:-1]) >= 5 * 11  # the demo history: 5 a week
    assert 'data-agency="lyon-gerland"' in everyone.text
    assert 'data-agency="lyon-gerland"' not in own.text


def test_the_bookings_list_pages_filters_and_records_a_no_show(seeded_sqlite_url: str) -> None:
    customer_id, _ = customer(seeded_sqlite_url, "Zoé Lambert")
    booking = diagnostic_booking(seeded_sqlite_url, customer_id, {})
    started = datetime.now(timezone.utc) - timedelta(hours=1)  # the slot started an hour ago
    with units_of_work(seeded_sqlite_url) as new_uow, new_uow() as uow:
        uow.session.execute(
            update(Booking)
            .where(Booking.reference == booking.reference)
            .values(start_utc=started, end_utc=started + timedelta(hours=1))
        )
        uow.commit()
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADVISOR)
        upcoming = client.get("/staff/bookings")
        history = client.get("/staff/bookings", params={"from": "", "status": "all"})
        found = client.get("/staff/bookings", params={"from": "", "q": "zoé"})
        query = "?from=&q=zo%C3%A9"
        absent = client.post(
            f"/staff/bookings/{booking.reference}/no-show{query}", data={"csrf_token": csrf}
        )
        again = client.post(
            f"/staff/bookings/{booking.reference}/no-show{query}", data={"csrf_token": csrf}
        )
        unknown = client.post("/staff/bookings/PL-NOPE00/no-show", data={"csrf_token": csrf})
    assert f'data-booking="{booking.reference}"' not in upcoming.text  # started: not upcoming
    assert 'rel="next"' in history.text and "page 1 sur" in history.text
    assert f'data-booking="{booking.reference}" data-status="confirmed"' in found.text
    assert f"/staff/bookings/{booking.reference}/no-show" in found.text
    assert absent.status_code == 200
    assert "noté" in absent.text  # the list shown again (confirmed ones: it left)
    with units_of_work(seeded_sqlite_url) as new_uow, new_uow() as uow:
        status = uow.session.scalar(
            select(Booking.status).where(Booking.reference == booking.reference)
        )
    assert status == "no_show"
    assert again.status_code == 409 and unknown.status_code == 404


def test_an_admin_ties_a_member_to_an_agency(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        team = client.get("/staff/admin/team")
        member = re.search(
            r'data-staff-id="(\d+)"><td>Thomas Garnier</td>.*?<option value="paris-nord" selected',
            team.text,
            flags=re.S,
        )
        assert member, "the demo manager works at Paris Nord"
        moved = client.post(
            f"/staff/admin/team/{member.group(1)}/agency",
            data={"csrf_token": csrf, "agency": "lyon-gerland"},
        )
        wrong = client.post(
            f"/staff/admin/team/{member.group(1)}/agency",
            data={"csrf_token": csrf, "agency": "atlantis"},
        )
    assert moved.status_code == 200
    row = moved.text.split(f'data-staff-id="{member.group(1)}"')[1].split("</tr>")[0]
    assert '<option value="lyon-gerland" selected' in row
    assert wrong.status_code == 404
