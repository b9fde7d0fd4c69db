"""The knowledge base's admin page and JSON API: roles, CSRF, adding, editing, deactivating
and deleting answers, trying a question, refusals with their reason, escaped output."""

from __future__ import annotations

import re
from html import unescape

from core.answers import EntryView, list_entries
from tests.integration.staff_web_support import ADMIN, ADVISOR, login, units_of_work
from tests.integration.web_support import web_client

PATH = "/staff/admin/answers"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
NEW = {
    "topic": "parking",
    "agency": "",
    "keywords": "parking\nse garer, where to park",
    "answer_fr": "Parking gratuit devant l'agence.\nBornes de recharge pour motos électriques.",
    "answer_en": "Free parking in front of the agency.",
    "active": "1",
}
API_ENTRY = {
    "topic": "warranty",
    "keywords": ["garantie", "warranty"],
    "answer_fr": "Nos réparations sont garanties un an.",
    "answer_en": "Our repairs have a one-year warranty.",
}
API_ROUTES = [
    ("GET", "/api/admin/answers", None),
    ("GET", "/api/admin/answers/1", None),
    ("POST", "/api/admin/answers", API_ENTRY),
    ("PUT", "/api/admin/answers/1", API_ENTRY),
    ("DELETE", "/api/admin/answers/1", None),
]
PAGES = [PATH, f"{PATH}/1"]


def knowledge_base(url: str) -> dict[tuple[str, str | None], EntryView]:
    with units_of_work(url) as new_uow:
        return {(view.topic, view.agency_code): view for view in list_entries(new_uow())}


def row_of(page: str, entry_id: int) -> str:
    [row] = re.findall(rf'<tr data-entry-id="{entry_id}".*?</tr>', page, flags=re.S)
    return unescape(row)


def test_anonymous_visitors_and_advisors_are_refused(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        anonymous = [client.request(m, p, json=b).status_code for m, p, b in API_ROUTES]
        pages = [client.get(p, follow_redirects=False).status_code for p in PAGES]
        posted = client.post(PATH, data=NEW, follow_redirects=False).status_code
        csrf = login(client, ADVISOR)
        headers = {"X-CSRF-Token": csrf}
        advisor = [
            client.request(m, p, json=b, headers=headers).status_code for m, p, b in API_ROUTES
        ]
        advisor_pages = [client.get(p).status_code for p in PAGES]
        advisor_post = client.post(PATH, data={**NEW, "csrf_token": csrf}).status_code
        advisor_delete = client.post(f"{PATH}/1/delete", data={"csrf_token": csrf}).status_code

    assert anonymous == [401] * len(API_ROUTES)
    assert pages == [303, 303] and posted == 303  # to the sign-in form
    assert advisor == [403] * len(API_ROUTES)
    assert advisor_pages == [403, 403] and advisor_post == advisor_delete == 403
    after = knowledge_base(seeded_sqlite_url)
    assert ("parking", None) not in after and len(after) == 14


def test_the_admin_sees_the_answers_with_the_menu_link(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        login(client, ADMIN)
        page = client.get(PATH)
        english = client.get(PATH, headers={"Accept-Language": "en"})
    entries = knowledge_base(seeded_sqlite_url)

    assert page.status_code == 200
    assert 'aria-current="page" data-nav="answers"' in page.text
    assert "Réponses du chatbot" in unescape(page.text)
    hours = row_of(page.text, entries[("hours", None)].id)
    assert "Horaires" in hours and "Tout le réseau" in hours and "Calculé des données" in hours
    assert "horaires, heures d'ouverture" in hours and "Désactiver" in hours
    prices = row_of(page.text, entries[("prices", None)].id)
    assert "Tarifs indicatifs" in prices and "Tarifs indicatifs, pièces et main-d" in prices
    loan = row_of(page.text, entries[("loan_bike", "bordeaux-lac")].id)
    assert "Pitlane Bordeaux Lac" in loan
    assert 'data-answers="create"' in page.text and 'data-answers="try"' in page.text
    assert '<option value="visit_1000">Visite des 1000 km</option>' in page.text
    assert "Chatbot answers" in english.text and "Whole network" in english.text


def test_a_form_without_the_csrf_token_changes_nothing(seeded_sqlite_url: str) -> None:
    prices = knowledge_base(seeded_sqlite_url)[("prices", None)]
    with web_client(seeded_sqlite_url) as client:
        login(client, ADMIN)
        created = client.post(PATH, data=NEW)
        forged = client.post(PATH, data={**NEW, "csrf_token": "not-the-token"})
        edited = client.post(f"{PATH}/{prices.id}", data={**NEW, "topic": "prices"})
        deactivated = client.post(f"{PATH}/{prices.id}/active", data={"active": "0"})
        deleted = client.post(f"{PATH}/{prices.id}/delete", data={})
        api = client.post("/api/admin/answers", json=API_ENTRY)
        api_delete = client.delete(f"/api/admin/answers/{prices.id}")

    statuses = [created, forged, edited, deactivated, deleted, api, api_delete]
    assert [response.status_code for response in statuses] == [403] * 7
    after = knowledge_base(seeded_sqlite_url)
    assert after[("prices", None)] == prices
    assert ("parking", None) not in after and ("warranty", None) not in after


def test_an_admin_adds_tries_edits_deactivates_and_deletes_an_answer(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        created = client.post(PATH, data={**NEW, "csrf_token": csrf})
        entry = knowledge_base(seeded_sqlite_url)[("parking", None)]
        tried = client.get(PATH, params={"q": "on peut se garer où ?"})
        form = client.get(f"{PATH}/{entry.id}")
        edit = {**NEW, "agency": "lyon-gerland", "keywords": "parking", "csrf_token": csrf}
        edited = client.post(f"{PATH}/{entry.id}", data=edit)
        after_edit = knowledge_base(seeded_sqlite_url)[("parking", "lyon-gerland")]
        tried_lyon = client.get(PATH, params={"q": "parking à Lyon ?"})
        hidden = client.post(f"{PATH}/{entry.id}/active", data={"active": "0", "csrf_token": csrf})
        hidden_view = knowledge_base(seeded_sqlite_url)[("parking", "lyon-gerland")]
        tried_hidden = client.get(PATH, params={"q": "parking à Lyon ?"})
        shown = client.post(f"{PATH}/{entry.id}/active", data={"active": "1", "csrf_token": csrf})
        deleted = client.post(f"{PATH}/{entry.id}/delete", data={"csrf_token": csrf})
        gone = client.get(f"{PATH}/{entry.id}", headers=HTML)

    assert created.status_code == 200
    assert "Réponse « parking » ajoutée." in unescape(created.text)
    assert entry.keywords == ("parking", "se garer", "where to park")
    assert entry.answer_fr == NEW["answer_fr"] and entry.active

    assert tried.status_code == 200 and 'data-tried="parking"' in tried.text
    assert "Parking gratuit devant l&#x27;agence." in tried.text
    assert "Free parking in front of the agency." in tried.text
    assert 'value="on peut se garer où ?"' in tried.text

    assert form.status_code == 200 and 'data-answers="edit"' in form.text
    assert 'value="parking"' in form.text and "se garer\nwhere to park</textarea>" in form.text
    assert '<option value="" selected>Tout le réseau</option>' in form.text

    assert edited.status_code == 200 and "« parking » enregistrée." in unescape(edited.text)
    assert after_edit.id == entry.id and after_edit.keywords == ("parking",)
    assert "Agence : Pitlane Lyon Gerland" in unescape(tried_lyon.text)
    assert hidden.status_code == 200 and not hidden_view.active
    assert "n'est plus utilisée" in unescape(hidden.text)
    assert 'data-tried="none"' in tried_hidden.text
    assert shown.status_code == 200 and "de nouveau utilisée" in unescape(shown.text)
    assert deleted.status_code == 200 and "« parking » supprimée." in unescape(deleted.text)
    assert ("parking", "lyon-gerland") not in knowledge_base(seeded_sqlite_url)
    assert gone.status_code == 404


def test_a_refused_value_says_why_and_keeps_what_was_typed(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        no_english = client.post(PATH, data={**NEW, "answer_en": " ", "csrf_token": csrf})
        generic = client.post(PATH, data={**NEW, "keywords": "c'est quoi", "csrf_token": csrf})
        twice = client.post(PATH, data={**NEW, "topic": "prices", "csrf_token": csrf})
        bad_topic = client.post(PATH, data={**NEW, "topic": "Mes prix !", "csrf_token": csrf})

    assert no_english.status_code == 422
    assert "la réponse en anglais est obligatoire" in unescape(no_english.text)
    assert 'value="parking"' in no_english.text  # the form as typed
    assert "Parking gratuit devant l&#x27;agence." in no_english.text
    assert generic.status_code == 422 and "répondrait à tout" in unescape(generic.text)
    assert twice.status_code == 422 and "a déjà une réponse" in unescape(twice.text)
    assert bad_topic.status_code == 422 and "minuscules, chiffres" in unescape(bad_topic.text)
    assert ("parking", None) not in knowledge_base(seeded_sqlite_url)


def test_what_an_admin_typed_is_shown_as_text(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        page = client.post(
            PATH,
            data={
                **NEW,
                "keywords": '<img src=x onerror="alert(1)">',
                "answer_fr": "<script>alert(1)</script>",
                "csrf_token": csrf,
            },
        )
        entry = knowledge_base(seeded_sqlite_url)[("parking", None)]
        form = client.get(f"{PATH}/{entry.id}")
        tried = client.get(PATH, params={"q": '<img src=x onerror="alert(1)">'})

    assert page.status_code == 200
    for html in (page.text, form.text, tried.text):
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in form.text
    assert 'data-tried="parking"' in tried.text


def test_the_json_api_adds_reads_changes_and_deletes_an_answer(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        client.headers["X-CSRF-Token"] = login(client, ADMIN)
        created = client.post("/api/admin/answers", json=API_ENTRY)
        entry_id = created.json()["id"]
        listed = client.get("/api/admin/answers")
        read = client.get(f"/api/admin/answers/{entry_id}")
        changed = client.put(
            f"/api/admin/answers/{entry_id}",
            json={**API_ENTRY, "active": False, "agency": "paris-nord"},
        )
        duplicate = client.post("/api/admin/answers", json={**API_ENTRY, "topic": "hours"})
        wrong = client.post("/api/admin/answers", json={**API_ENTRY, "answer_en": ""})
        unknown_agency = client.post("/api/admin/answers", json={**API_ENTRY, "agency": "nice"})
        deleted = client.delete(f"/api/admin/answers/{entry_id}")
        missing = client.get(f"/api/admin/answers/{entry_id}")

    assert created.status_code == 201
    assert created.json() == {
        "id": entry_id,
        **API_ENTRY,
        "agency": None,
        "active": True,
        "computed": False,
    }
    assert listed.status_code == 200 and len(listed.json()) == 15  # 14 demo answers + 1
    hours = next(item for item in listed.json() if item["topic"] == "hours")
    assert hours["computed"] is True
    assert read.json() == created.json()
    assert changed.status_code == 200
    assert (changed.json()["active"], changed.json()["agency"]) == (False, "paris-nord")
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "entry_exists"
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "empty_answer_en"
    assert unknown_agency.status_code == 422
    assert unknown_agency.json()["error"]["code"] == "unknown_agency"
    assert deleted.status_code == 200 and deleted.json()["topic"] == "warranty"
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_entry"
