"""The test-ride catalogue's admin page and JSON API: roles, CSRF, adding, editing,
deactivating and deleting models, refusals with their reason, escaped output."""

from __future__ import annotations

import re
from html import unescape

from core.catalogue import ModelView, list_models
from tests.integration.staff_web_support import ADMIN, ADVISOR, login, units_of_work
from tests.integration.web_support import web_client

PATH = "/staff/admin/models"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
NEW = {
    "brand": "Royal Enfield",
    "model": "Himalayan 450",
    "usage": "offroad",
    "licence": "A2",
    "engine_cc": "452",
    "active": "1",
    "description_fr": "Trail simple et robuste.",
    "description_en": "Simple, sturdy adventure bike.",
    "agency:bordeaux-lac": "1",
    "agency:lyon-gerland": "1",
}
API_MODEL = {
    "brand": "Energica",
    "model": "Experia",
    "usage": "road",
    "licence": "A",
    "electric": True,
    "agencies": ["paris-nord"],
}
API_ROUTES = [
    ("GET", "/api/admin/models", None),
    ("GET", "/api/admin/models/1", None),
    ("POST", "/api/admin/models", API_MODEL),
    ("PUT", "/api/admin/models/1", API_MODEL),
    ("DELETE", "/api/admin/models/1", None),
]
PAGES = [PATH, f"{PATH}/1"]


def catalogue(url: str) -> dict[str, ModelView]:
    with units_of_work(url) as new_uow:
        return {view.name: view for view in list_models(new_uow())}


def row_of(page: str, model_id: int) -> str:
    [row] = re.findall(rf'<tr data-model-id="{model_id}".*?</tr>', page, flags=re.S)
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

    assert anonymous == [401] * len(API_ROUTES)
    assert pages == [303, 303] and posted == 303  # to the sign-in form
    assert advisor == [403] * len(API_ROUTES)
    assert advisor_pages == [403, 403] and advisor_post == 403
    assert "Royal Enfield Himalayan 450" not in catalogue(seeded_sqlite_url)


def test_the_admin_sees_the_catalogue_with_the_menu_link(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        login(client, ADMIN)
        page = client.get(PATH)
        english = client.get(PATH, headers={"Accept-Language": "en"})
    mt07 = catalogue(seeded_sqlite_url)["Yamaha MT-07"]
    sv650 = catalogue(seeded_sqlite_url)["Suzuki SV650"]

    assert page.status_code == 200
    assert 'aria-current="page" data-nav="models"' in page.text
    assert "Modèles à l'essai" in unescape(page.text)
    row = row_of(page.text, mt07.id)
    assert "Yamaha MT-07" in row and "Route" in row and "A2 (35 kW)" in row and "689 cm³" in row
    assert "Pitlane Bordeaux Lac, Pitlane Lyon Gerland, Pitlane Paris Nord" in row
    assert "Désactiver" in row
    assert "Désactivé" in row_of(page.text, sv650.id) and "Réactiver" in page.text
    assert 'data-models="create"' in page.text
    assert "Test-ride models" in english.text and "Off-road" in english.text


def test_a_form_without_the_csrf_token_changes_nothing(seeded_sqlite_url: str) -> None:
    mt07 = catalogue(seeded_sqlite_url)["Yamaha MT-07"]
    with web_client(seeded_sqlite_url) as client:
        login(client, ADMIN)
        created = client.post(PATH, data=NEW)
        forged = client.post(PATH, data={**NEW, "csrf_token": "not-the-token"})
        deactivated = client.post(f"{PATH}/{mt07.id}/active", data={"active": "0"})
        deleted = client.post(f"{PATH}/{mt07.id}/delete", data={})
        api = client.post("/api/admin/models", json=API_MODEL)
        api_delete = client.delete(f"/api/admin/models/{mt07.id}")

    assert [created.status_code, forged.status_code, deactivated.status_code] == [403] * 3
    assert [deleted.status_code, api.status_code, api_delete.status_code] == [403] * 3
    after = catalogue(seeded_sqlite_url)
    assert after["Yamaha MT-07"] == mt07
    assert "Royal Enfield Himalayan 450" not in after and "Energica Experia" not in after


def test_an_admin_adds_edits_deactivates_and_deletes_a_model(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        created = client.post(PATH, data={**NEW, "csrf_token": csrf})
        model = catalogue(seeded_sqlite_url)["Royal Enfield Himalayan 450"]
        form = client.get(f"{PATH}/{model.id}")
        edit = {**NEW, "usage": "road", "csrf_token": csrf}
        del edit["agency:lyon-gerland"]
        edit["agency:paris-nord"] = "1"
        edited = client.post(f"{PATH}/{model.id}", data=edit)
        after_edit = catalogue(seeded_sqlite_url)["Royal Enfield Himalayan 450"]
        hidden = client.post(f"{PATH}/{model.id}/active", data={"active": "0", "csrf_token": csrf})
        hidden_view = catalogue(seeded_sqlite_url)["Royal Enfield Himalayan 450"]
        shown = client.post(f"{PATH}/{model.id}/active", data={"active": "1", "csrf_token": csrf})
        deleted = client.post(f"{PATH}/{model.id}/delete", data={"csrf_token": csrf})
        gone = client.get(f"{PATH}/{model.id}", headers=HTML)

    assert created.status_code == 200
    assert "Royal Enfield Himalayan 450 ajouté au catalogue." in unescape(created.text)
    assert (model.usage, model.licence, model.engine_cc) == ("offroad", "A2", 452)
    assert [a.code for a in model.agencies] == ["bordeaux-lac", "lyon-gerland"]

    assert form.status_code == 200 and 'data-models="edit"' in form.text
    assert 'value="Himalayan 450"' in form.text
    assert 'name="agency:lyon-gerland" value="1" checked' in form.text
    assert '<option value="offroad" selected>' in form.text

    assert edited.status_code == 200 and "Himalayan 450 enregistré." in unescape(edited.text)
    assert after_edit.usage == "road"
    assert [a.code for a in after_edit.agencies] == ["bordeaux-lac", "paris-nord"]
    assert hidden.status_code == 200 and not hidden_view.active
    assert "n'est plus proposé aux clients" in unescape(hidden.text)
    assert shown.status_code == 200 and "de nouveau proposé" in unescape(shown.text)
    assert deleted.status_code == 200 and "supprimé du catalogue" in unescape(deleted.text)
    assert "Royal Enfield Himalayan 450" not in catalogue(seeded_sqlite_url)
    assert gone.status_code == 404


def test_a_refused_value_says_why_and_keeps_what_was_typed(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        electric_cc = client.post(PATH, data={**NEW, "electric": "1", "csrf_token": csrf})
        typo = client.post(PATH, data={**NEW, "engine_cc": "quatre", "csrf_token": csrf})
        duplicate = client.post(
            PATH, data={**NEW, "brand": "yamaha", "model": "MT07", "csrf_token": csrf}
        )

    assert electric_cc.status_code == 422
    assert "un modèle électrique n'a pas de cylindrée" in unescape(electric_cc.text)
    assert 'value="Himalayan 450"' in electric_cc.text  # the form as typed
    assert typo.status_code == 422 and "nombre entier" in typo.text
    assert duplicate.status_code == 422
    assert "déjà dans le catalogue" in unescape(duplicate.text)
    assert "Royal Enfield Himalayan 450" not in catalogue(seeded_sqlite_url)


def test_what_an_admin_typed_is_shown_as_text(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        page = client.post(
            PATH,
            data={
                **NEW,
                "model": '<img src=x onerror="alert(1)">',
                "description_fr": "<script>alert(1)</script>",
                "csrf_token": csrf,
            },
        )
        model = next(v for v in catalogue(seeded_sqlite_url).values() if "img" in v.model)
        form = client.get(f"{PATH}/{model.id}")

    assert page.status_code == 200
    for html in (page.text, form.text):
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in form.text


def test_the_json_api_adds_reads_changes_and_deletes_a_model(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        client.headers["X-CSRF-Token"] = login(client, ADMIN)
        created = client.post("/api/admin/models", json=API_MODEL)
        model_id = created.json()["id"]
        listed = client.get("/api/admin/models")
        read = client.get(f"/api/admin/models/{model_id}")
        changed = client.put(
            f"/api/admin/models/{model_id}",
            json={**API_MODEL, "active": False, "agencies": ["lyon-gerland", "paris-nord"]},
        )
        duplicate = client.post("/api/admin/models", json={**API_MODEL, "model": "EXPERIA"})
        wrong = client.post("/api/admin/models", json={**API_MODEL, "engine_cc": 900})
        unknown_agency = client.post(
            "/api/admin/models", json={**API_MODEL, "model": "Eva", "agencies": ["nowhere"]}
        )
        deleted = client.delete(f"/api/admin/models/{model_id}")
        missing = client.get(f"/api/admin/models/{model_id}")

    assert created.status_code == 201
    assert created.json() == {
        "id": model_id,
        **{k: v for k, v in API_MODEL.items() if k != "agencies"},
        "engine_cc": None,
        "active": True,
        "description_fr": None,
        "description_en": None,
        "agencies": [{"code": "paris-nord", "name": "Pitlane Paris Nord", "city": "Paris"}],
    }
    assert listed.status_code == 200 and len(listed.json()) == 15  # 14 demo models + 1
    assert read.json() == created.json()
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert [a["code"] for a in changed.json()["agencies"]] == ["lyon-gerland", "paris-nord"]
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "model_exists"
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "engine_cc_electric"
    assert unknown_agency.status_code == 422
    assert unknown_agency.json()["error"]["code"] == "unknown_agency"
    assert deleted.status_code == 200 and deleted.json()["model"] == "Experia"
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_model"
