"""The estimate and invoice page of a repair job on the web app (demo data): lines added in
French decimals and escaped, bad lines refused, sending with the versions read, the counter's
answer and the invoice kept to the counter's roles, CSRF, and the job page that no longer
moves a job to the estimate's statuses."""

from __future__ import annotations

import re
from html import unescape

from core import estimates, invoices, jobs
from tests.integration.staff_web_support import ADVISOR, MANAGER, MECHANIC, login, units_of_work
from tests.integration.test_job_pages import HTML, job_of, post
from tests.integration.web_support import web_client

NBSP = "\xa0"
NNBSP = "\u202f"


def estimate_of(url: str, job_id: int) -> estimates.EstimateView | None:
    with units_of_work(url) as new_uow:
        return estimates.estimate_of(new_uow(), job_id)


def job_now(url: str, job_id: int) -> jobs.JobView:
    with units_of_work(url) as new_uow:
        return jobs.get_job(new_uow(), job_id)


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="(\d+)"', page)
    assert found, name
    return found.group(1)


def text(page: str) -> str:
    """The page's text as read: entities decoded, no-break spaces as spaces."""
    return unescape(page).replace(NBSP, " ").replace(NNBSP, " ")


def add(client, path: str, csrf: str, kind: str, label: str, price: str, **more: str):
    return post(client, f"{path}/lines", csrf, kind=kind, label=label, unit_price=price, **more)


def test_a_mechanic_adds_lines_in_french_decimals_removes_one_and_reads_the_totals(
    seeded_sqlite_url: str,
) -> None:
    job = job_of(seeded_sqlite_url, "PR-654-ST")  # diagnosing, no estimate yet
    path = f"/staff/jobs/{job.id}/estimate"
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, MECHANIC)
        empty = client.get(path)
        part = add(client, path, csrf, "part", "Durite <inférieure>", "34,90", quantity="2",
                   vat_rate="")  # fmt: skip
        labour = add(client, path, csrf, "labour", "Remplacement", "68", quantity="1,5")
        other = add(client, path, csrf, "other", "Liquide de refroidissement", "12,5")
        page = client.get(part.headers["location"])
        line = estimate_of(seeded_sqlite_url, job.id).lines[-1].id
        removed = post(client, f"{path}/lines/{line}/remove", csrf)
        after = client.get(removed.headers["location"])
        english = client.get(path, headers={"Accept-Language": "en"})
    assert empty.status_code == 200 and "Aucune ligne pour l'instant." in text(empty.text)
    assert part.status_code == labour.status_code == other.status_code == 303
    assert part.headers["location"] == f"{path}?saved=added"
    shown = text(page.text)
    assert "Ligne ajoutée." in shown
    assert "Durite &lt;inférieure&gt;" in page.text and "<inférieure>" not in page.text
    assert "69,80 €" in shown and "1,5 h" in shown and "68,00 € / h" in shown
    assert "102,00 €" in shown and "12,50 €" in shown
    assert "TVA 20 % sur 184,30 €" in shown and "36,86 €" in shown
    assert re.search(r'data-estimate="total-incl">221,16.€<', page.text)
    assert removed.status_code == 303 and "Ligne retirée." in text(after.text)
    assert re.search(r'data-estimate="total-incl">206,16.€<', after.text)  # 171,80 + 34,36
    assert "Liquide de refroidissement" not in after.text
    assert "€206.16" in english.text and "Total incl. VAT" in english.text
    lines = estimate_of(seeded_sqlite_url, job.id).lines
    assert [(x.kind, x.quantity_centi, x.unit_price_cents, x.vat_rate_bp) for x in lines] == [
        ("part", 200, 3490, 2000),
        ("labour", 150, 6800, 2000),
    ]


def test_a_bad_line_is_refused_with_a_clear_error_keeps_what_was_typed_and_changes_nothing(
    seeded_sqlite_url: str,
) -> None:
    job = job_of(seeded_sqlite_url, "PR-654-ST")
    path = f"/staff/jobs/{job.id}/estimate"
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, MECHANIC)
        words = add(client, path, csrf, "part", "Pneu <avant>", "89,90", quantity="deux")
        negative = add(client, path, csrf, "part", "Pneu", "-3", quantity="1")
        zero = add(client, path, csrf, "labour", "Main-d'œuvre", "68", quantity="0")
        vat = add(client, path, csrf, "part", "Pneu", "10", quantity="1", vat_rate="150")
        kind = add(client, path, csrf, "gift", "Pneu", "10", quantity="1")
        label = add(client, path, csrf, "part", "   ", "10", quantity="1")
        huge = add(client, path, csrf, "part", "Pneu", "1e999999", quantity="1")
        no_csrf = client.post(f"{path}/lines", data={"kind": "part", "label": "x",
                              "quantity": "1", "unit_price": "1"}, headers=HTML)  # fmt: skip
        missing = client.get("/staff/jobs/999999/estimate", headers=HTML)
    assert words.status_code == 422
    assert "Quantité ou heures invalides" in text(words.text)
    assert 'value="Pneu &lt;avant&gt;"' in words.text and 'value="deux"' in words.text
    assert negative.status_code == 422 and "Prix invalide" in text(negative.text)
    assert zero.status_code == 422 and "Quantité ou heures invalides" in text(zero.text)
    assert vat.status_code == 422 and "Taux de TVA invalide" in text(vat.text)
    assert kind.status_code == 422 and "Type de ligne inconnu" in text(kind.text)
    assert label.status_code == 422 and "Désignation obligatoire" in text(label.text)
    assert huge.status_code == 422 and "Prix invalide" in text(huge.text)
    assert no_csrf.status_code == 403
    assert missing.status_code == 404
    assert estimate_of(seeded_sqlite_url, job.id) is None
    assert job_now(seeded_sqlite_url, job.id).version == job.version


def test_sending_names_the_versions_read_then_the_lines_are_frozen(seeded_sqlite_url: str) -> None:
    job = job_of(seeded_sqlite_url, "PR-654-ST")
    path = f"/staff/jobs/{job.id}/estimate"
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, MECHANIC)
        add(client, path, csrf, "part", "Durite", "34,90", quantity="1")
        read = client.get(path).text
        version, lines_version = hidden(read, "version"), hidden(read, "lines_version")
        csrf = login(client, ADVISOR)  # meanwhile, someone adds a line
        add(client, path, csrf, "labour", "Remplacement", "68", quantity="1")
        csrf = login(client, MECHANIC)
        changed = post(client, f"{path}/send", csrf, version=version, lines_version=lines_version)
        read = client.get(path).text
        csrf = login(client, ADVISOR)  # meanwhile, someone plans the job's end
        post(client, f"/staff/jobs/{job.id}/expected", csrf, version=hidden(read, "version"),
             expected="2099-06-01T17:30")  # fmt: skip
        csrf = login(client, MECHANIC)
        stale = post(client, f"{path}/send", csrf, version=hidden(read, "version"),
                     lines_version=hidden(read, "lines_version"))  # fmt: skip
        state = estimate_of(seeded_sqlite_url, job.id)
        sent = post(client, f"{path}/send", csrf, version=hidden(stale.text, "version"),
                    lines_version=hidden(stale.text, "lines_version"))  # fmt: skip
        page = client.get(sent.headers["location"])
        line = estimate_of(seeded_sqlite_url, job.id).lines[0].id
        late_add = add(client, path, csrf, "part", "Collier", "3", quantity="1")
        late_remove = post(client, f"{path}/lines/{line}/remove", csrf)
        now = str(job_now(seeded_sqlite_url, job.id).version)
        again = post(client, f"{path}/send", csrf, version=now, lines_version="99")
    assert changed.status_code == 409 and "Le devis a changé depuis votre lecture" in text(
        changed.text
    )
    assert stale.status_code == 409
    assert re.search(r"Modifié par Sophie Moreau à \d\d:\d\d", text(stale.text))
    assert state.status == "draft" and len(state.lines) == 2  # the refusals changed nothing
    assert sent.status_code == 303 and sent.headers["location"] == f"{path}?saved=sent"
    assert job_now(seeded_sqlite_url, job.id).status == "estimate_sent"
    assert "Devis envoyé au client." in text(page.text)
    assert 'data-state="sent"' in page.text and "Envoyé le " in text(page.text)
    assert f'href="/api/jobs/{job.id}/estimate/pdf"' in page.text
    assert 'data-estimate="add"' not in page.text and "/remove" not in page.text
    assert late_add.status_code == late_remove.status_code == 409
    assert "Le devis ne change plus" in text(late_add.text)
    assert again.status_code == 409
    assert len(estimate_of(seeded_sqlite_url, job.id).lines) == 2


def test_the_counter_records_the_answer_and_issues_the_invoice_a_mechanic_cannot(
    seeded_sqlite_url: str,
) -> None:
    job = job_of(seeded_sqlite_url, "PR-654-ST")
    path = f"/staff/jobs/{job.id}/estimate"
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, MECHANIC)
        add(client, path, csrf, "part", "Durite", "34,90", quantity="1")
        read = client.get(path).text
        post(client, f"{path}/send", csrf, version=hidden(read, "version"),
             lines_version=hidden(read, "lines_version"))  # fmt: skip
        mechanic_page = client.get(path).text
        by_mechanic = post(client, f"{path}/decision", csrf, decision="approve", channel="counter")
        csrf = login(client, ADVISOR)
        advisor_page = client.get(path).text
        bad_channel = post(client, f"{path}/decision", csrf, decision="approve", channel="web")
        approved = post(client, f"{path}/decision", csrf, decision="approve", channel="phone")
        twice = post(client, f"{path}/decision", csrf, decision="decline", channel="counter")
        early = post(client, f"/staff/jobs/{job.id}/invoice", csrf)
        for to in ("in_progress", "ready_for_pickup"):
            version = str(job_now(seeded_sqlite_url, job.id).version)
            post(client, f"/staff/jobs/{job.id}/move", csrf, to=to, version=version)
        ready_page = client.get(path).text
        csrf = login(client, MECHANIC)
        mechanic_ready = client.get(path).text
        mechanic_invoice = post(client, f"/staff/jobs/{job.id}/invoice", csrf)
        csrf = login(client, MANAGER)
        issued = post(client, f"/staff/jobs/{job.id}/invoice", csrf,
                      billing_address="3 rue <Lepic>, 75018 Paris")  # fmt: skip
        invoiced_page = client.get(path).text
        again = post(client, f"/staff/jobs/{job.id}/invoice", csrf)
        job_page = client.get(f"/staff/jobs/{job.id}").text
        csrf = login(client, MECHANIC)
        mechanic_invoiced = client.get(path).text
    assert "En attente de la réponse du client." in text(mechanic_page)
    assert 'data-estimate-form="decision"' not in mechanic_page
    assert by_mechanic.status_code == 403
    assert 'data-estimate-form="decision"' in advisor_page
    assert bad_channel.status_code == 422 and "comptoir ou téléphone" in text(bad_channel.text)
    assert approved.status_code == 303
    assert twice.status_code == 409 and "déjà enregistrée" in text(twice.text)
    assert early.status_code == 409 and "prêt à récupérer ou rendu" in text(early.text)
    shown = text(ready_page)
    assert re.search(r"Accepté le .+ \(par téléphone\) · enregistré par Sophie Moreau", shown)
    assert 'data-estimate-form="invoice"' in ready_page
    assert 'data-estimate-form="invoice"' not in mechanic_ready
    assert "La facture est émise au comptoir" in text(mechanic_ready)
    assert mechanic_invoice.status_code == 403
    assert issued.status_code == 303
    with units_of_work(seeded_sqlite_url) as new_uow:
        invoice = invoices.invoice_of_job(new_uow(), job.id)
    assert invoice is not None and invoice.number.startswith("PN-")
    assert invoice.billing_address == "3 rue <Lepic>, 75018 Paris"
    assert invoice.totals.incl_cents == 4188  # 34,90 + 20 %
    assert f"Facture {invoice.number} émise le " in text(invoiced_page)
    assert f'href="/api/invoices/{invoice.id}/pdf"' in invoiced_page
    assert 'href="/staff/invoices"' in invoiced_page
    assert again.status_code == 409 and "déjà émise" in text(again.text)
    assert f"Facture {invoice.number}" in job_page
    assert "Devis : Accepté · 41,88 € TTC" in text(job_page)
    assert invoice.number in mechanic_invoiced
    assert f"/api/invoices/{invoice.id}/pdf" not in mechanic_invoiced  # mechanics: no invoices


def test_a_declined_estimate_closes_the_way_to_an_invoice(seeded_sqlite_url: str) -> None:
    job = job_of(seeded_sqlite_url, "PR-654-ST")
    path = f"/staff/jobs/{job.id}/estimate"
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, ADVISOR)
        add(client, path, csrf, "labour", "Diagnostic", "68", quantity="1")
        read = client.get(path).text
        post(client, f"{path}/send", csrf, version=hidden(read, "version"),
             lines_version=hidden(read, "lines_version"))  # fmt: skip
        declined = post(client, f"{path}/decision", csrf, decision="decline", channel="counter")
        page = client.get(path).text
        invoice = post(client, f"/staff/jobs/{job.id}/invoice", csrf)
    assert declined.status_code == 303
    assert job_now(seeded_sqlite_url, job.id).status == "declined"
    assert re.search(r"Refusé le .+ \(au comptoir\)", text(page))
    assert 'id="invoice-title"' not in page
    assert invoice.status_code == 409


def test_the_job_page_leaves_the_estimates_statuses_to_the_estimate_page(
    seeded_sqlite_url: str,
) -> None:
    job = job_of(seeded_sqlite_url, "PR-654-ST")  # diagnosing: next is estimate_sent
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, MECHANIC)
        page = client.get(f"/staff/jobs/{job.id}").text
        refused = post(client, f"/staff/jobs/{job.id}/move", csrf, to="estimate_sent",
                       version=str(job.version))  # fmt: skip
        csrf = login(client, ADVISOR)
        approved = post(client, f"/staff/jobs/{job.id}/move", csrf, to="approved",
                        version=str(job.version))  # fmt: skip
    assert re.findall(r'name="to" value="([a-z_]+)"', page) == ["cancelled"]
    assert "ces statuts suivent le devis" in text(page)
    assert "Devis : pas encore de ligne" in text(page)
    assert refused.status_code == approved.status_code == 409
    assert "Ce statut suit le devis" in text(refused.text)
    now = job_now(seeded_sqlite_url, job.id)
    assert (now.status, now.version) == (job.status, job.version)
