"""The agencies page (backoffice/agency_pages.py) through the real app: admins create and
edit, open and close services; a manager sees and edits only their own agency's contact
details and hours; bad input says why in French and changes nothing; output is escaped."""

from __future__ import annotations

from core import agencies_admin
from core.agencies import agencies_offering, get_agency
from tests.integration.staff_web_support import ADMIN, MANAGER, login, units_of_work
from tests.integration.web_support import web_client

PATH = "/staff/admin/agencies"
NEW = {
    "code": "nantes-est",
    "name": "Pitlane Nantes <Est>",
    "address": "3 rue de la Loire",
    "postcode": "44000",
    "city": "Nantes",
    "latitude": "47.2184",
    "longitude": "-1.5536",
    "phone": "+33 2 40 00 00 00",
    "email": "nantes@pitlane.example",
    "timezone": "Europe/Paris",
}


def test_an_admin_creates_an_agency_and_opens_a_service_it_never_had(seeded_sqlite_url) -> None:
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        created = client.post(PATH, data={**NEW, "csrf_token": csrf})
        opened = client.post(
            f"{PATH}/nantes-est/services/quick_service", data={"open": "1", "csrf_token": csrf}
        )
        listed = client.get(PATH)
    assert created.status_code == 200
    assert "Pitlane Nantes &lt;Est&gt; créée" in created.text
    assert "<Est>" not in created.text
    assert opened.status_code == 200 and "réglages par défaut" in opened.text
    assert 'data-service="quick_service" data-state="open"' in opened.text
    assert 'data-agency="nantes-est"' in listed.text
    with units_of_work(seeded_sqlite_url) as uow:
        offering = [a.code for a in agencies_offering(uow(), "quick_service")]
    assert "nantes-est" in offering


def test_bad_input_says_why_and_changes_nothing(seeded_sqlite_url) -> None:
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        far = client.post(PATH, data={**NEW, "latitude": "123", "csrf_token": csrf})
        taken = client.post(PATH, data={**NEW, "code": "paris-nord", "csrf_token": csrf})
        hours = client.post(
            f"{PATH}/paris-nord/hours",
            data={"mon_1_start": "12:00", "mon_1_end": "09:00", "csrf_token": csrf},
        )
        no_csrf = client.post(PATH, data=NEW)
    assert far.status_code == 422 and "la latitude est un nombre de −90 à 90" in far.text
    assert 'value="nantes-est"' in far.text  # the form as typed
    assert taken.status_code == 409 and "une agence porte déjà ce code" in taken.text
    assert hours.status_code == 422 and "une plage doit commencer avant de finir" in hours.text
    assert no_csrf.status_code == 403
    with units_of_work(seeded_sqlite_url) as uow:
        assert get_agency(uow(), "paris-nord").name == "Pitlane Paris Nord"
        assert agencies_admin.agency_detail(uow(), "paris-nord").hours["mon"] == [
            ["08:30", "12:00"],
            ["13:30", "18:30"],
        ]
        assert [r.code for r in agencies_admin.agency_rows(uow())] == [
            "bordeaux-lac",
            "lyon-gerland",
            "paris-nord",
        ]


def test_a_manager_edits_only_the_contact_details_and_hours_of_their_agency(
    seeded_sqlite_url,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, MANAGER)
        listed = client.get(PATH)
        other = client.get(f"{PATH}/lyon-gerland")
        other_post = client.post(f"{PATH}/lyon-gerland", data={**NEW, "csrf_token": csrf})
        saved = client.post(
            f"{PATH}/paris-nord",
            data={**NEW, "phone": "01 99 00 00 01", "csrf_token": csrf},
        )
        hours = client.post(
            f"{PATH}/paris-nord/hours",
            data={"sat_1_start": "09:00", "sat_1_end": "12:00", "csrf_token": csrf},
        )
        closing = client.post(
            f"{PATH}/paris-nord/services/maintenance", data={"open": "0", "csrf_token": csrf}
        )
    assert listed.status_code == 200
    assert 'data-agency="paris-nord"' in listed.text
    assert 'data-agency="lyon-gerland"' not in listed.text
    assert 'data-agencies="new"' not in listed.text
    assert (other.status_code, other_post.status_code, closing.status_code) == (403, 403, 403)
    assert saved.status_code == 200 and hours.status_code == 200
    assert 'data-agencies="apply"' not in hours.text
    with units_of_work(seeded_sqlite_url) as uow:
        agency = get_agency(uow(), "paris-nord")
        detail = agencies_admin.agency_detail(uow(), "paris-nord")
        lyon = get_agency(uow(), "lyon-gerland")
    # phone and e-mail changed; the name, address and coordinates are the admin's
    assert (agency.phone, agency.email) == ("01 99 00 00 01", "nantes@pitlane.example")
    assert (agency.name, agency.city, agency.latitude) == ("Pitlane Paris Nord", "Paris", 48.8843)
    assert detail.hours == {"sat": [["09:00", "12:00"]]}
    assert lyon.name == "Pitlane Lyon Gerland"


def test_closing_a_service_says_its_bookings_are_kept_and_copying_hours_lists_conflicts(
    seeded_sqlite_url,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        closed = client.post(
            f"{PATH}/lyon-gerland/services/road_test", data={"open": "0", "csrf_token": csrf}
        )
        client.post(
            f"{PATH}/paris-nord/hours",
            data={"sun_1_start": "09:00", "sun_1_end": "10:00", "csrf_token": csrf},
        )
        applied = client.post(
            f"{PATH}/paris-nord/hours/apply",
            data={"apply_maintenance": "1", "csrf_token": csrf},
        )
    assert closed.status_code == 200
    assert "les rendez-vous déjà pris sont gardés" in closed.text
    assert 'data-service="road_test" data-state="closed"' in closed.text
    # the demo's upcoming maintenance bookings at paris-nord fall outside Sunday 9-10
    assert applied.status_code == 409
    assert 'data-agencies="conflicts"' in applied.text
    assert 'name="apply_maintenance" value="1"' in applied.text
