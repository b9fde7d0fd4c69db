"""Canned replies through the web app: the admin page (roles, CSRF, adding, editing,
deleting, refusals with their reason, escaped output) and the console's JSON API (roles, one
language, variables filled for a conversation)."""

from __future__ import annotations

import re
from html import unescape

from core import canned_replies
from core.canned_replies import CannedReplyView
from tests.integration.staff_web_support import (
    ADMIN,
    ADVISOR,
    MECHANIC,
    login,
    pending_request,
    units_of_work,
)
from tests.integration.web_support import web_client

PATH = "/staff/admin/canned-replies"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
NEW = {
    "shortcut": "/Garantie",
    "language": "fr",
    "title": "Garantie des réparations",
    "text": "Bonjour {prenom}, nos réparations sont garanties un an.",
}


def replies(url: str, language: str | None = None) -> dict[str, CannedReplyView]:
    """The database's replies of `language` (all when None) by shortcut."""
    with units_of_work(url) as new_uow:
        return {r.shortcut: r for r in canned_replies.list_replies(new_uow(), language)}


def row_of(page: str, reply_id: int) -> str:
    [row] = re.findall(rf'<tr data-reply-id="{reply_id}".*?</tr>', page, flags=re.S)
    return unescape(row)


def test_advisors_get_403_and_anonymous_visitors_the_sign_in_form(seeded_sqlite_url: str) -> None:
    some = replies(seeded_sqlite_url, "fr")["rdv"]
    pages = [PATH, f"{PATH}/{some.id}"]
    with web_client(seeded_sqlite_url) as client:
        anonymous = [client.get(p, follow_redirects=False) for p in pages]
        anonymous_post = client.post(PATH, data=NEW, follow_redirects=False)
        csrf = login(client, ADVISOR)
        advisor = [client.get(p, headers=HTML).status_code for p in pages]
        advisor_post = client.post(PATH, data={**NEW, "csrf_token": csrf}).status_code
        advisor_edit = client.post(f"{PATH}/{some.id}", data={**NEW, "csrf_token": csrf})
        advisor_delete = client.post(f"{PATH}/{some.id}/delete", data={"csrf_token": csrf})
        menu = client.get("/staff/console").text

    assert [r.status_code for r in anonymous] == [303, 303] and anonymous_post.status_code == 303
    assert anonymous[0].headers["location"].startswith("/staff/login")
    assert advisor == [403, 403] and advisor_post == 403
    assert advisor_edit.status_code == advisor_delete.status_code == 403
    assert PATH not in menu  # no link to a page that answers 403
    assert replies(seeded_sqlite_url, "fr")["rdv"] == some and "garantie" not in replies(
        seeded_sqlite_url
    )


def test_an_admin_sees_the_replies_in_the_menu_and_creates_edits_and_deletes_one(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        page = client.get(PATH)
        english = client.get(PATH, headers={"Accept-Language": "en"})
        created = client.post(PATH, data={**NEW, "csrf_token": csrf})
        made = replies(seeded_sqlite_url, "fr")["garantie"]
        form = client.get(f"{PATH}/{made.id}")
        edit = {**NEW, "shortcut": "garantie-1an", "language": "en", "title": "Warranty"}
        edited = client.post(f"{PATH}/{made.id}", data={**edit, "csrf_token": csrf})
        after_edit = replies(seeded_sqlite_url, "en")["garantie-1an"]
        deleted = client.post(f"{PATH}/{made.id}/delete", data={"csrf_token": csrf})
        gone = client.get(f"{PATH}/{made.id}", headers=HTML)

    assert page.status_code == 200
    assert f'href="{PATH}" aria-current="page" data-nav="canned"' in page.text
    assert "Réponses types" in page.text and 'data-canned="create"' in page.text
    rdv = row_of(page.text, replies(seeded_sqlite_url, "fr")["rdv"].id)
    assert "/rdv" in rdv and "FR" in rdv and "Proposer un rendez-vous" in rdv
    assert "Canned replies" in english.text and "Add a canned reply" in english.text

    assert created.status_code == 200 and "Réponse type /garantie ajoutée." in created.text
    assert (made.title, made.text) == (NEW["title"], NEW["text"])
    assert "Garantie des réparations" in row_of(created.text, made.id)
    assert form.status_code == 200 and 'data-canned="edit"' in form.text
    assert 'value="garantie"' in form.text and "{prenom}, nos réparations" in form.text
    assert '<option value="fr" selected>Français</option>' in form.text

    assert edited.status_code == 200 and "Réponse type /garantie-1an enregistrée." in edited.text
    assert (after_edit.id, after_edit.title) == (made.id, "Warranty")
    assert "garantie" not in replies(seeded_sqlite_url, "fr")
    assert deleted.status_code == 200 and "/garantie-1an supprimée." in deleted.text
    assert "garantie-1an" not in replies(seeded_sqlite_url)
    assert gone.status_code == 404


def test_a_refused_reply_says_why_and_keeps_what_was_typed(seeded_sqlite_url: str) -> None:
    rdv = replies(seeded_sqlite_url, "fr")["rdv"]
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        twice = client.post(PATH, data={**NEW, "shortcut": "rdv", "csrf_token": csrf})
        bad = client.post(PATH, data={**NEW, "shortcut": "mon raccourci", "csrf_token": csrf})
        taken = client.post(
            f"{PATH}/{rdv.id}", data={**NEW, "shortcut": "merci", "csrf_token": csrf}
        )
        forged = client.post(PATH, data={**NEW, "csrf_token": "not-the-token"})

    assert twice.status_code == 422
    assert "une réponse type de cette langue a déjà ce raccourci" in unescape(twice.text)
    assert 'value="Garantie des réparations"' in twice.text  # the form as typed
    assert bad.status_code == 422 and "minuscules, chiffres ou tirets" in unescape(bad.text)
    assert taken.status_code == 422 and 'data-canned="edit"' in taken.text
    assert forged.status_code == 403
    assert replies(seeded_sqlite_url, "fr")["rdv"] == rdv and "garantie" not in replies(
        seeded_sqlite_url
    )


def test_a_long_text_of_accented_characters_is_accepted_and_shown_as_text(
    seeded_sqlite_url: str,
) -> None:
    """2000 characters, the limit of an advisor's message, each six bytes once url-encoded."""
    hostile = "<script>alert(1)</script>"
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADMIN)
        long_text = client.post(
            PATH, data={**NEW, "shortcut": "long", "text": "é" * 2000, "csrf_token": csrf}
        )
        page = client.post(
            PATH, data={**NEW, "title": hostile, "text": hostile, "csrf_token": csrf}
        )

    assert long_text.status_code == 200
    assert replies(seeded_sqlite_url, "fr")["long"].text == "é" * 2000
    assert page.status_code == 200 and hostile not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


def test_the_console_reads_one_languages_replies_advisors_and_admins_only(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        anonymous = client.get("/api/canned-replies?language=fr").status_code
        login(client, MECHANIC)
        mechanic = client.get("/api/canned-replies?language=fr").status_code
        login(client, ADVISOR)
        french = client.get("/api/canned-replies", params={"language": "fr"})
        every = client.get("/api/canned-replies")
        german = client.get("/api/canned-replies", params={"language": "de"}).status_code

    assert (anonymous, mechanic, german) == (401, 403, 422)
    assert french.status_code == 200
    assert {r["language"] for r in french.json()} == {"fr"}
    rdv = next(r for r in french.json() if r["shortcut"] == "rdv")
    assert set(rdv) == {"id", "shortcut", "language", "title", "text"}
    assert "{agence}" in rdv["text"]  # as written: filled only for a conversation
    assert len(every.json()) == len(french.json()) * 2


def test_a_conversations_replies_come_with_the_customers_first_name_and_agency(
    seeded_sqlite_url: str,
) -> None:
    named = pending_request(seeded_sqlite_url, name="Camille Martin")
    anonymous = pending_request(seeded_sqlite_url, name=None)
    with web_client(seeded_sqlite_url) as client:
        nobody = client.get(f"/api/handoffs/{named}/canned-replies").status_code
        login(client, MECHANIC)
        mechanic = client.get(f"/api/handoffs/{named}/canned-replies").status_code
        login(client, ADVISOR)
        filled = client.get(f"/api/handoffs/{named}/canned-replies")
        unnamed = client.get(f"/api/handoffs/{anonymous}/canned-replies")
        unknown = client.get("/api/handoffs/999999/canned-replies").status_code

    assert (nobody, mechanic, unknown) == (401, 403, 404)
    texts = {r["shortcut"]: r["text"] for r in filled.json()}
    assert {r["language"] for r in filled.json()} == {"fr"}  # the conversation's language
    assert texts["bonjour"].startswith("Bonjour Camille, je suis votre conseiller")
    # no booking, no vehicle: the company's name from the settings (data/demo.yaml)
    assert texts["rdv"] == (
        "Je peux vous proposer un rendez-vous chez Pitlane Motos SAS. "
        "Quel jour vous conviendrait le mieux ?"
    )
    anonymous_texts = {r["shortcut"]: r["text"] for r in unnamed.json()}
    assert anonymous_texts["bonjour"].startswith("Bonjour, je suis votre conseiller")
    assert "{" not in "".join(anonymous_texts.values())
