"""The admin page of service settings: roles, CSRF, saving, the conflict preview and the
admin's decision (keep, or cancel and tell the customers)."""

from __future__ import annotations

import html
import re
import uuid
from datetime import datetime, timezone

import pytest

from core import bookings, conversations, customers
from core.calendars import WEEKDAYS
from core.service_settings import CalendarSettings, get_settings
from tests.integration.staff_web_support import ADMIN, ADVISOR, login, units_of_work
from tests.integration.web_support import stored_messages, web_client

AGENCY, SERVICE = "paris-nord", "quick_service"
PATH = "/staff/admin/services"


def settings_now(url: str) -> CalendarSettings:
    with units_of_work(url) as new_uow:
        return get_settings(new_uow(), AGENCY, SERVICE)


def form_of(current: CalendarSettings, csrf: str, **changes: str) -> dict[str, str]:
    """The fields the browser posts for `current`, with `changes`."""
    fields = {
        "csrf_token": csrf,
        "agency": AGENCY,
        "service": SERVICE,
        "capacity": str(current.capacity),
        "staff_count": str(current.staff_count),
        "slot_minutes": str(current.slot_minutes),
        "decision": "save",
    }
    for day in WEEKDAYS:
        ranges = current.opening_hours.get(day, [])
        for n in (1, 2):
            start, end = ranges[n - 1] if len(ranges) >= n else ("", "")
            fields[f"{day}_{n}_start"], fields[f"{day}_{n}_end"] = start, end
    for i, day in enumerate(current.closed_dates):
        fields[f"closed_{i}"] = day.isoformat()
    fields.update(changes)
    return fields


def customer_with_booking(url: str, name: str, start: datetime | None = None) -> tuple[str, int]:
    """A web customer with a conversation and a booking (at `start`, else the first free
    slot); returns (booking reference, conversation id)."""
    external_id = str(uuid.uuid4())
    now = datetime.now(timezone.utc)
    with units_of_work(url) as new_uow:
        conversation = conversations.get_or_create_conversation(new_uow(), "web", external_id, "fr")
        customer = customers.register_customer(
            new_uow(),
            channel="web",
            external_id=external_id,
            name=name,
            contact=f"{external_id[:8]}@example.com",
            language="fr",
        )
        if start is None:
            start = bookings.offer_slots(new_uow(), AGENCY, SERVICE, now).slots[0].start_utc
        booking = bookings.book_slot(
            new_uow(),
            agency_code=AGENCY,
            service_code=SERVICE,
            start_utc=start,
            customer_id=customer.id,
            channel="web",
            now=now,
        )
    return booking.reference, conversation.id


def status_of(url: str, reference: str) -> str:
    with units_of_work(url) as new_uow:
        return bookings.get_booking(new_uow(), reference).status


def hidden_value(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no hidden field {name}"
    return html.unescape(match.group(1))


def test_anonymous_visitors_are_sent_to_sign_in(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        answer = client.get(PATH, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/staff/login"


def test_an_advisor_may_not_see_nor_change_the_settings(seeded_sqlite_url: str) -> None:
    before = settings_now(seeded_sqlite_url)
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADVISOR)
        assert client.get(PATH).status_code == 403
        posted = client.post(PATH, data=form_of(before, csrf, capacity="5"))
    assert posted.status_code == 403
    assert settings_now(seeded_sqlite_url) == before


def test_the_admin_sees_the_settings_of_the_chosen_service(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        login(client, ADMIN)
        page = client.get(PATH, params={"calendar": f"{AGENCY}:diagnostic"})
    assert page.status_code == 200
    assert 'name="slot_minutes" value="90"' in page.text
    assert 'name="staff_count" value="1"' in page.text
    assert 'name="mon_2_start" value="14:00"' in page.text
    assert 'value="paris-nord:diagnostic" selected' in page.text


def test_a_post_without_the_csrf_token_changes_nothing(seeded_sqlite_url: str) -> None:
    before = settings_now(seeded_sqlite_url)
    with web_client(seeded_sqlite_url) as client:
        login(client, ADMIN)
        posted = client.post(PATH, data=form_of(before, "wrong-token", capacity="7"))
    assert posted.status_code == 403
    assert settings_now(seeded_sqlite_url) == before


def test_a_change_without_conflict_is_saved_at_once(seeded_sqlite_url: str) -> None:
    before = settings_now(seeded_sqlite_url)
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        posted = client.post(
            PATH,
            data=form_of(
                before, csrf, capacity="4", sat_1_start="", sat_1_end="", closed_new="2099-12-25"
            ),
        )
    assert posted.status_code == 200
    assert "Réglages enregistrés" in posted.text
    after = settings_now(seeded_sqlite_url)
    assert after.capacity == 4 and "sat" not in after.opening_hours
    assert [d.isoformat() for d in after.closed_dates] == ["2099-12-25"]


def test_an_invalid_value_is_explained_and_the_form_kept(seeded_sqlite_url: str) -> None:
    before = settings_now(seeded_sqlite_url)
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        posted = client.post(
            PATH, data=form_of(before, csrf, mon_1_start="13:00", mon_1_end="10:00")
        )
    assert posted.status_code == 422
    assert "une plage doit commencer avant de finir" in posted.text
    assert 'name="mon_1_start" value="13:00"' in posted.text
    assert settings_now(seeded_sqlite_url) == before


def test_a_conflicting_change_lists_the_bookings_and_changes_nothing_until_decided(
    seeded_sqlite_url: str,
) -> None:
    first, _ = customer_with_booking(seeded_sqlite_url, "Camille Martin")
    with units_of_work(seeded_sqlite_url) as new_uow:
        start = bookings.get_booking(new_uow(), first).start_utc
    second, _ = customer_with_booking(seeded_sqlite_url, "<b>Léa</b> Dupont", start)
    before = settings_now(seeded_sqlite_url)
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        posted = client.post(PATH, data=form_of(before, csrf, capacity="1"))
    assert posted.status_code == 409
    assert f'data-conflict="{second}"' in posted.text
    assert f'data-conflict="{first}"' not in posted.text
    assert "&lt;b&gt;Léa&lt;/b&gt; Dupont" in posted.text and "<b>Léa" not in posted.text
    assert "Au-delà de la capacité" in posted.text
    assert settings_now(seeded_sqlite_url) == before
    assert status_of(seeded_sqlite_url, second) == "confirmed"


@pytest.mark.parametrize("decision", ["keep", "cancel"])
def test_the_admin_decides_to_keep_or_to_cancel_and_tell_the_customer(
    seeded_sqlite_url: str, decision: str
) -> None:
    first, _ = customer_with_booking(seeded_sqlite_url, "Camille Martin")
    with units_of_work(seeded_sqlite_url) as new_uow:
        start = bookings.get_booking(new_uow(), first).start_utc
    second, conversation_id = customer_with_booking(seeded_sqlite_url, "Léa Dupont", start)
    before = settings_now(seeded_sqlite_url)
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        preview = client.post(PATH, data=form_of(before, csrf, capacity="1"))
        choice = {
            "csrf_token": csrf,
            "agency": AGENCY,
            "service": SERVICE,
            "pending": hidden_value(preview.text, "pending"),
            "seen": hidden_value(preview.text, "seen"),
            "decision": decision,
        }
        decided = client.post(PATH, data=choice)
    assert decided.status_code == 200, decided.text
    assert settings_now(seeded_sqlite_url).capacity == 1
    assert status_of(seeded_sqlite_url, first) == "confirmed"
    told = [
        m for m in stored_messages(seeded_sqlite_url) if m.direction == "out" and second in m.text
    ]
    if decision == "keep":
        assert status_of(seeded_sqlite_url, second) == "confirmed"
        assert told == []
        assert "1 réservation(s) gardée(s)" in decided.text
    else:
        assert status_of(seeded_sqlite_url, second) == "cancelled"
        assert len(told) == 1 and "annulé" in told[0].text
        assert "1 client(s) prévenu(s)" in decided.text
    assert conversation_id > 0


def test_back_shows_the_form_with_the_pending_values_and_changes_nothing(
    seeded_sqlite_url: str,
) -> None:
    first, _ = customer_with_booking(seeded_sqlite_url, "Camille Martin")
    before = settings_now(seeded_sqlite_url)
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        shortened = form_of(before, csrf, closed_new="", **{f"{d}_1_start": "" for d in WEEKDAYS})
        for day in WEEKDAYS:
            shortened[f"{day}_1_end"] = ""
            shortened[f"{day}_2_start"] = shortened[f"{day}_2_end"] = ""
        preview = client.post(PATH, data=shortened)
        assert preview.status_code == 409 and f'data-conflict="{first}"' in preview.text
        back = client.post(
            PATH,
            data={
                "csrf_token": csrf,
                "agency": AGENCY,
                "service": SERVICE,
                "pending": hidden_value(preview.text, "pending"),
                "decision": "back",
            },
        )
    assert back.status_code == 200
    assert 'name="mon_1_start" value=""' in back.text
    assert settings_now(seeded_sqlite_url) == before
    assert status_of(seeded_sqlite_url, first) == "confirmed"


def body_of(current: CalendarSettings, **changes: object) -> dict:
    body: dict = {
        "capacity": current.capacity,
        "staff_count": current.staff_count,
        "slot_minutes": current.slot_minutes,
        "opening_hours": current.opening_hours,
        "closed_dates": [d.isoformat() for d in current.closed_dates],
    }
    body.update(changes)
    return body


def test_the_json_api_previews_refuses_then_cancels_with_the_admins_decision(
    seeded_sqlite_url: str,
) -> None:
    first, _ = customer_with_booking(seeded_sqlite_url, "Camille Martin")
    with units_of_work(seeded_sqlite_url) as new_uow:
        start = bookings.get_booking(new_uow(), first).start_utc
    second, _ = customer_with_booking(seeded_sqlite_url, "Léa Dupont", start)
    before = settings_now(seeded_sqlite_url)
    url = f"/api/admin/services/{AGENCY}/{SERVICE}"
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        headers = {"X-CSRF-Token": csrf}
        assert client.get(url).json()["capacity"] == before.capacity
        preview = client.post(f"{url}/conflicts", json=body_of(before, capacity=1), headers=headers)
        refused = client.put(url, json=body_of(before, capacity=1), headers=headers)
        no_csrf = client.put(url, json=body_of(before, capacity=1, conflicts="keep"))
        cancelled = client.put(
            url,
            json=body_of(before, capacity=1, conflicts="cancel", seen=[second]),
            headers=headers,
        )
    assert [(c["reference"], c["reason"]) for c in preview.json()] == [(second, "over_capacity")]
    assert refused.status_code == 409
    assert [c["reference"] for c in refused.json()["error"]["conflicts"]] == [second]
    assert no_csrf.status_code == 403
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["cancelled"] == [second]
    assert cancelled.json()["customers_told"] == 1
    assert status_of(seeded_sqlite_url, second) == "cancelled"
    assert settings_now(seeded_sqlite_url).capacity == 1


def test_the_json_api_of_settings_is_for_admins_only(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        anonymous = client.get(f"/api/admin/services/{AGENCY}/{SERVICE}")
        login(client, ADVISOR)
        advisor = client.get(f"/api/admin/services/{AGENCY}/{SERVICE}")
    assert anonymous.status_code == 401
    assert advisor.status_code == 403
