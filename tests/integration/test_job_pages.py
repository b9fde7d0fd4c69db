"""The repair jobs' staff pages on the web app (demo data): a mechanic's planning, the job's
page and its forms (roles, CSRF, a stale version, a move the state machine refuses), the
check-in of a booking and a walk-in."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core import jobs, vehicle_history
from core.job_views import vehicle_jobs
from core.mileage import record_reading
from core.models import RepairJob, Vehicle
from tests.integration.staff_web_support import (
    ADMIN,
    ADVISOR,
    MANAGER,
    MECHANIC,
    login,
    staff_id,
    units_of_work,
)
from tests.integration.test_workshop_pages import customer, diagnostic_booking
from tests.integration.web_support import web_client

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def job_of(url: str, plate: str) -> jobs.JobView:
    """The open demo job of the vehicle `plate`."""
    with units_of_work(url) as new_uow:
        with new_uow() as uow:
            job_id = uow.session.scalar(
                select(RepairJob.id)
                .join(Vehicle, Vehicle.id == RepairJob.vehicle_id)
                .where(Vehicle.plate == plate, RepairJob.status != "returned")
            )
        return jobs.get_job(new_uow(), job_id)


def post(client: TestClient, path: str, csrf: str, **fields: str):
    return client.post(path, data={"csrf_token": csrf, **fields}, follow_redirects=False)


def texts_of(page: str, marker: str) -> list[str]:
    return [unescape(t) for t in re.findall(rf"{marker}[^>]*>([^<]*)<", page)]


def test_a_mechanic_lands_on_their_planning_of_the_day_and_of_the_week(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        login(client, MECHANIC)
        home = client.get("/staff", headers=HTML, follow_redirects=False)
        day = client.get("/staff/workshop", headers=HTML)
        week = client.get("/staff/workshop", params={"span": "week"}, headers=HTML)
        other = client.get(
            "/staff/workshop",
            params={"mechanic": staff_id(seeded_sqlite_url, "mecanicien.lyon@pitlane.example")},
        )
    assert home.headers["location"] == "/staff/workshop"
    assert day.status_code == 200
    shown = set(re.findall(r'data-job="(\d+)"', day.text))
    paris = {str(job_of(seeded_sqlite_url, p).id) for p in ("AB-123-CD", "PR-654-ST")}
    assert paris <= shown
    assert "Ducati Monster 821 (AB-123-CD)" in day.text and "Camille" in day.text
    assert "Camille Martin" not in day.text  # the customer's first name only
    assert 'data-status="waiting_parts"' in day.text
    assert set(re.findall(r'data-job="(\d+)"', week.text)) >= shown
    # a mechanic sees their own planning only: no picker, the parameter is ignored
    assert 'name="mechanic"' not in other.text
    assert set(re.findall(r'data-job="(\d+)"', other.text)) == shown


def test_a_manager_picks_the_mechanic_and_an_advisor_has_no_planning(
    seeded_sqlite_url: str,
) -> None:
    lyon = staff_id(seeded_sqlite_url, "mecanicien.lyon@pitlane.example")
    with web_client(seeded_sqlite_url) as client:
        login(client, MANAGER)
        page = client.get("/staff/workshop", params={"mechanic": lyon, "span": "week"})
        login(client, ADVISOR)
        refused = client.get("/staff/workshop", headers=HTML)
    assert page.status_code == 200
    assert f'<option value="{lyon}" selected>Julie Roux</option>' in page.text
    assert "Triumph Street Triple RS" in page.text and "Ducati" not in page.text
    assert 'data-status="ready_for_pickup"' in page.text
    assert refused.status_code == 403


def test_the_job_page_shows_the_problem_history_earlier_visits_and_only_allowed_moves(
    seeded_sqlite_url: str,
) -> None:
    job = job_of(seeded_sqlite_url, "AB-123-CD")
    with web_client(seeded_sqlite_url) as client:
        login(client, MECHANIC)
        page = client.get(f"/staff/jobs/{job.id}")
        missing = client.get("/staff/jobs/999999", headers=HTML)
    assert page.status_code == 200
    text = unescape(page.text)
    assert "Bruit métallique au freinage" in text
    assert "Cliente joignable avant midi" in text  # a note of the history
    assert "attribué à Karim Benali" in text and "Thomas Garnier" in text
    assert "Vidange et remplacement du filtre à huile" in text  # an earlier visit
    moves = re.findall(r'name="to" value="([a-z_]+)"', page.text)
    assert moves == ["diagnosing", "cancelled"]
    assert f'name="version" value="{job.version}"' in page.text
    assert f'href="/staff/jobs/{job.id}/estimate"' in page.text
    assert f'action="/staff/jobs/{job.id}/assign"' not in page.text  # managers only
    assert missing.status_code == 404


def test_a_mechanic_moves_the_job_adds_a_note_and_plans_its_end(seeded_sqlite_url: str) -> None:
    job = job_of(seeded_sqlite_url, "AB-123-CD")
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, MECHANIC)
        moved = post(client, f"/staff/jobs/{job.id}/move", csrf, to="diagnosing",
                     version=str(job.version), note="Plaquettes à 1 mm")  # fmt: skip
        noted = post(client, f"/staff/jobs/{job.id}/notes", csrf, text="<b>Disque</b> voilé")
        planned = post(client, f"/staff/jobs/{job.id}/expected", csrf,
                       version=str(job.version + 1), expected="2099-06-01T17:30")  # fmt: skip
        page = client.get(moved.headers["location"])
    assert moved.status_code == noted.status_code == planned.status_code == 303
    assert moved.headers["location"] == f"/staff/jobs/{job.id}?saved=moved"
    after = jobs.get_job
    with units_of_work(seeded_sqlite_url) as new_uow:
        now = after(new_uow(), job.id)
    assert now.status == "diagnosing" and now.version == job.version + 2
    assert [e.kind for e in now.events[-3:]] == ["status", "note", "expected"]
    assert now.events[-3].note == "Plaquettes à 1 mm"
    assert now.expected_completion.isoformat() == "2099-06-01T15:30:00+00:00"  # Paris summer
    assert "Statut changé." in unescape(page.text)
    assert "&lt;b&gt;Disque&lt;/b&gt; voilé" in page.text and "<b>Disque" not in page.text


def test_a_stale_form_says_who_changed_the_job_and_changes_nothing(seeded_sqlite_url: str) -> None:
    job = job_of(seeded_sqlite_url, "PR-654-ST")
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADVISOR)
        first = post(client, f"/staff/jobs/{job.id}/expected", csrf,
                     version=str(job.version), expected="2099-02-01T10:00")  # fmt: skip
        csrf = login(client, MECHANIC)
        stale = post(client, f"/staff/jobs/{job.id}/move", csrf, to="cancelled",
                     version=str(job.version))  # fmt: skip
        stale_end = post(client, f"/staff/jobs/{job.id}/expected", csrf,
                         version=str(job.version), expected="2099-01-01T10:00")  # fmt: skip
    assert first.status_code == 303
    assert stale.status_code == stale_end.status_code == 409
    assert re.search(r"Modifié par Sophie Moreau à \d\d:\d\d", unescape(stale.text))
    assert "rien n&#x27;a été changé" in stale.text
    with units_of_work(seeded_sqlite_url) as new_uow:
        now = jobs.get_job(new_uow(), job.id)
    assert now.status == job.status and now.version == job.version + 1
    assert now.expected_completion.isoformat() == "2099-02-01T09:00:00+00:00"  # the first's
    # the page drawn after the refusal carries the fresh version
    assert f'name="version" value="{job.version + 1}"' in stale.text


def test_a_move_the_state_machine_refuses_or_a_bad_value_changes_nothing(
    seeded_sqlite_url: str,
) -> None:
    job = job_of(seeded_sqlite_url, "AB-123-CD")
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, MECHANIC)
        skipped = post(client, f"/staff/jobs/{job.id}/move", csrf, to="returned",
                       version=str(job.version))  # fmt: skip
        unknown = post(client, f"/staff/jobs/{job.id}/move", csrf, to="lost",
                       version=str(job.version))  # fmt: skip
        empty = post(client, f"/staff/jobs/{job.id}/notes", csrf, text="  ")
        past = post(client, f"/staff/jobs/{job.id}/expected", csrf, version=str(job.version),
                    expected="2001-01-01T10:00")  # fmt: skip
        garbage = post(client, f"/staff/jobs/{job.id}/expected", csrf, version=str(job.version),
                       expected="demain")  # fmt: skip
        no_csrf = client.post(f"/staff/jobs/{job.id}/notes", data={"text": "x"}, headers=HTML)
    assert skipped.status_code == 409 and "pas possible depuis le statut actuel" in skipped.text
    assert unknown.status_code == empty.status_code == past.status_code == 422
    assert garbage.status_code == 422
    assert no_csrf.status_code == 403
    with units_of_work(seeded_sqlite_url) as new_uow:
        now = jobs.get_job(new_uow(), job.id)
    assert (now.status, now.version, len(now.events)) == (
        job.status,
        job.version,
        len(job.events),
    )


def test_only_managers_and_admins_assign_an_active_mechanic(seeded_sqlite_url: str) -> None:
    job = job_of(seeded_sqlite_url, "AB-123-CD")
    lyon = str(staff_id(seeded_sqlite_url, "mecanicien.lyon@pitlane.example"))
    advisor = str(staff_id(seeded_sqlite_url, ADVISOR[0]))
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, MECHANIC)
        by_mechanic = post(client, f"/staff/jobs/{job.id}/assign", csrf, mechanic=lyon,
                           version=str(job.version))  # fmt: skip
        csrf = login(client, MANAGER)
        page = client.get(f"/staff/jobs/{job.id}")
        not_one = post(client, f"/staff/jobs/{job.id}/assign", csrf, mechanic=advisor,
                       version=str(job.version))  # fmt: skip
        done = post(client, f"/staff/jobs/{job.id}/assign", csrf, mechanic=lyon,
                    version=str(job.version))  # fmt: skip
    assert by_mechanic.status_code == 403
    assert '<select id="assign-mechanic" name="mechanic">' in page.text
    assert not_one.status_code == 422 and "mécanicien actif" in unescape(not_one.text)
    assert done.status_code == 303
    with units_of_work(seeded_sqlite_url) as new_uow:
        assert jobs.get_job(new_uow(), job.id).mechanic_name == "Julie Roux"


def honda(database_url: str, customer_id: int, plate: str) -> int:
    """A Honda CB500F of the customer's; its id."""
    with units_of_work(database_url) as new_uow, new_uow() as uow:
        vehicle = Vehicle(customer_id=customer_id, brand="Honda", model="CB500F", plate=plate)
        uow.session.add(vehicle)
        uow.session.flush()
        uow.commit()
        return vehicle.id


def test_a_booking_is_checked_in_once_from_the_bookings_page(seeded_sqlite_url: str) -> None:
    customer_id, _ = customer(seeded_sqlite_url, "Noé Petit")
    vehicle_id = honda(seeded_sqlite_url, customer_id, "NP-111-AA")
    booking = diagnostic_booking(
        seeded_sqlite_url, customer_id, {"description": "Ralenti instable"}
    )
    check_in = f"/staff/bookings/{booking.reference}/check-in"
    with web_client(seeded_sqlite_url) as client:
        login(client, MECHANIC)
        refused = client.get(check_in, headers=HTML)
        csrf = login(client, ADVISOR)
        listed = client.get("/staff/bookings", params={"service": "diagnostic"})
        form = client.get(check_in)
        opened = post(
            client, check_in, csrf, vehicle=str(vehicle_id), problem="Ralenti instable, calage"
        )
        again = client.get(check_in, follow_redirects=False)
        twice = post(client, check_in, csrf, vehicle=str(vehicle_id))
        unknown = client.get("/staff/bookings/XX-NOPE/check-in", headers=HTML)
    assert refused.status_code == 403
    assert f'href="{check_in}"' in listed.text
    assert form.status_code == 200 and "Ralenti instable</textarea>" in form.text
    assert f'<option value="{vehicle_id}" selected>Honda CB500F (NP-111-AA)</option>' in form.text
    assert opened.status_code == 303
    job_url = opened.headers["location"].split("?")[0]
    assert again.headers["location"] == job_url and twice.headers["location"] == job_url
    assert unknown.status_code == 404
    with units_of_work(seeded_sqlite_url) as new_uow:
        job = jobs.get_job(new_uow(), int(job_url.rsplit("/", 1)[1]))
    assert job.booking_reference == booking.reference and job.problem == "Ralenti instable, calage"


def test_a_walk_in_opens_a_job_and_a_bad_form_keeps_what_was_typed(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        form = client.get("/staff/jobs/new")
        bad = post(client, "/staff/jobs/new", csrf, agency="paris-nord", plate="ZZ-999-ZZ",
                   problem="Crevaison <arrière>", name="Inès")  # fmt: skip
        good = post(client, "/staff/jobs/new", csrf, agency="paris-nord", plate="GH-456-JK",
                    problem="Crevaison arrière", contact="+44 7700 900123")  # fmt: skip
    assert form.status_code == 200 and 'name="plate"' in form.text
    assert bad.status_code == 422 and "marque et son modèle" in unescape(bad.text)
    assert 'value="ZZ-999-ZZ"' in bad.text and "Crevaison &lt;arrière&gt;" in bad.text
    assert good.status_code == 303
    with units_of_work(seeded_sqlite_url) as new_uow:
        job = jobs.get_job(new_uow(), int(good.headers["location"].split("?")[0].rsplit("/", 1)[1]))
    assert job.customer_name == "James Walker" and job.booking_reference is None


@pytest.mark.parametrize("who", [MECHANIC, ADVISOR])
def test_a_mechanic_opens_a_jobs_photos_but_no_other_customer_file(
    seeded_sqlite_url: str, who: tuple[str, str]
) -> None:
    with web_client(seeded_sqlite_url) as client:
        login(client, who)
        other = client.get("/staff/attachments/1", headers=HTML)
    # no file 1: an advisor gets 404, a mechanic is refused before anything is read
    assert other.status_code == (403 if who == MECHANIC else 404)


def test_the_job_page_shows_the_customers_photos_which_a_mechanic_may_open(
    seeded_sqlite_url: str, tmp_path
) -> None:
    from core.file_store import FilesystemStore
    from core.files import store_upload
    from tests.integration.test_workshop_pages import PNG, attachment

    uploads = tmp_path / "uploads"
    uploads.mkdir()
    customer_id, conversation_id = customer(seeded_sqlite_url, "Noé Petit")
    path, _ = store_upload(PNG, "image/png", FilesystemStore(uploads))
    picture = attachment(seeded_sqlite_url, conversation_id, path, "image/png")
    other = attachment(seeded_sqlite_url, conversation_id, path, "image/png")
    with units_of_work(seeded_sqlite_url) as new_uow, new_uow() as uow:
        vehicle = Vehicle(customer_id=customer_id, brand="Honda", model="X", plate="NP-222-BB")
        uow.session.add(vehicle)
        uow.session.flush()
        vehicle_id = vehicle.id
        uow.commit()
    booking = diagnostic_booking(seeded_sqlite_url, customer_id, {"attachment_ids": [picture]})
    with units_of_work(seeded_sqlite_url) as new_uow:
        job = jobs.open_from_booking(
            new_uow(),
            booking.reference,
            vehicle_id=vehicle_id,
            by_staff_id=staff_id(seeded_sqlite_url, ADVISOR[0]),
            now=booking.start_utc,
        )
    with web_client(seeded_sqlite_url, upload_dir=str(uploads)) as client:
        login(client, MECHANIC)
        page = client.get(f"/staff/jobs/{job.id}")
        photo = client.get(f"/staff/attachments/{picture}")
        refused = client.get(f"/staff/attachments/{other}", headers=HTML)
    assert f'<img src="/staff/attachments/{picture}"' in page.text
    assert photo.status_code == 200 and photo.content == PNG
    assert refused.status_code == 403


def real_now() -> datetime:  # the web app's clock
    return datetime.now(timezone.utc)


def test_the_odometer_read_at_check_in_is_kept_and_a_bad_one_opens_nothing(
    seeded_sqlite_url: str,
) -> None:
    customer_id, _ = customer(seeded_sqlite_url, "Noé Petit")
    vehicle_id = honda(seeded_sqlite_url, customer_id, "NP-222-AA")
    with units_of_work(seeded_sqlite_url) as new_uow:
        record_reading(new_uow(), vehicle_id, 20_000, source="staff", read_at=real_now())
    booking = diagnostic_booking(seeded_sqlite_url, customer_id, {"description": "Bruit"})
    check_in = f"/staff/bookings/{booking.reference}/check-in"
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADVISOR)
        form = client.get(check_in)
        typo = post(client, check_in, csrf, vehicle=str(vehicle_id), mileage="12k")
        back = post(client, check_in, csrf, vehicle=str(vehicle_id), mileage="19 000")
        opened = post(client, check_in, csrf, vehicle=str(vehicle_id), mileage="21 350")
    assert 'name="mileage"' in form.text and "Kilométrage au compteur" in form.text
    assert typo.status_code == 422 and "en chiffres" in unescape(typo.text)
    assert back.status_code == 422 and "inférieur à un relevé précédent" in unescape(back.text)
    assert opened.status_code == 303
    job_id = int(opened.headers["location"].split("?")[0].rsplit("/", 1)[1])
    with units_of_work(seeded_sqlite_url) as new_uow:
        readings = vehicle_history.history(new_uow(), vehicle_id, real_now()).readings
        all_jobs = vehicle_jobs(new_uow(), vehicle_id)
    assert [(r.km, r.source, r.job_id) for r in readings] == [
        (21_350, "check_in", job_id),
        (20_000, "staff", None),
    ]
    assert [j.id for j in all_jobs] == [job_id]  # the refused check-ins opened nothing
