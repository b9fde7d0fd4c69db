"""The staff API of jobs, estimates and invoices through HTTP on the real app, and the
customers' signed document links: a job from walk-in to a paid invoice, the refusals a
client acts on (stale version, invalid transition with `allowed`), and links that are
expired, forged or of an unknown kind serving nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core import signed_links
from tests.integration.staff_web_support import ADVISOR, MANAGER, MECHANIC, login
from tests.integration.web_support import web_client


def _post(client, csrf: str, path: str, body: dict | None = None):
    return client.post(path, json=body or {}, headers={"X-CSRF-Token": csrf})


def test_a_walk_in_goes_from_estimate_to_a_paid_invoice_and_a_customer_link(
    seeded_sqlite_url: str,
) -> None:
    with web_client(seeded_sqlite_url) as client:
        csrf = login(client, MECHANIC)
        job = _post(
            client, csrf, "/api/jobs", {"agency": "paris-nord", "vehicle_id": 1, "problem": "Cale"}
        ).json()
        moved = _post(
            client,
            csrf,
            f"/api/jobs/{job['id']}/move",
            {"to_status": "diagnosing", "expected_version": 1},
        ).json()
        stale = _post(
            client,
            csrf,
            f"/api/jobs/{job['id']}/move",
            {"to_status": "cancelled", "expected_version": 1},
        )
        skipping = _post(
            client,
            csrf,
            f"/api/jobs/{job['id']}/move",
            {"to_status": "in_progress", "expected_version": moved["version"]},
        )
        line = _post(
            client,
            csrf,
            f"/api/jobs/{job['id']}/estimate/lines",
            {"kind": "labour", "label": "Diagnostic", "quantity": "1,5", "unit_price": "60"},
        )
        sent = _post(
            client,
            csrf,
            f"/api/jobs/{job['id']}/estimate/send",
            {"expected_version": moved["version"]},
        )
        refused_invoice = _post(client, csrf, "/api/invoices", {"job_id": job["id"]})
        assigned_by_mechanic = _post(
            client, csrf, f"/api/jobs/{job['id']}/assign", {"mechanic_id": None}
        )

        csrf = login(client, ADVISOR)
        decided = _post(
            client,
            csrf,
            f"/api/jobs/{job['id']}/estimate/decision",
            {"decision": "approve", "channel": "counter"},
        )
        version = client.get(f"/api/jobs/{job['id']}").json()["version"]
        for status in ("in_progress", "ready_for_pickup"):
            step = _post(
                client,
                csrf,
                f"/api/jobs/{job['id']}/move",
                {"to_status": status, "expected_version": version},
            )
            assert step.status_code == 200, (line.text, sent.text, step.text)
            version = step.json()["version"]
        invoice = _post(client, csrf, "/api/invoices", {"job_id": job["id"]})
        invoice_id = invoice.json()["id"]
        paid = _post(client, csrf, f"/api/invoices/{invoice_id}/payment", {"method": "cheque"})
        pdf = client.get(f"/api/invoices/{invoice_id}/pdf")
        link = _post(client, csrf, f"/api/invoices/{invoice_id}/link").json()
        detail = client.get(f"/api/jobs/{job['id']}").json()
        client.cookies.clear()  # the customer: no session, only the link
        document = client.get(link["url"])

    assert stale.status_code == 409 and stale.json()["error"]["current"] == moved["version"]
    assert skipping.status_code == 409
    assert skipping.json()["error"]["allowed"] == ["estimate_sent", "cancelled"]
    assert line.status_code == 201 and line.json()["total_excl_cents"] == 9_000
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    assert refused_invoice.status_code == 403  # mechanics do not invoice
    assert assigned_by_mechanic.status_code == 403
    assert decided.status_code == 200 and decided.json()["decision_channel"] == "counter"
    assert invoice.status_code == 201 and invoice.json()["total_incl_cents"] == 10_800
    assert paid.json()["status"] == "paid" and paid.json()["payment"]["method"] == "cheque"
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert detail["estimate"]["status"] == "approved" and len(detail["events"]) == 6
    assert document.status_code == 200 and document.content.startswith(b"%PDF-")
    assert document.headers["cache-control"] == "no-store"
    assert document.headers["content-disposition"].startswith("attachment;")


def test_a_manager_lists_jobs_and_invoices_by_filter(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        login(client, MANAGER)
        jobs = client.get("/api/jobs", params={"agency": "paris-nord", "status": "returned"})
        unpaid = client.get("/api/invoices", params={"status": "unpaid"})
        bad = client.get("/api/jobs", params={"agency": "paris-nord", "status": "lost"})
    assert jobs.status_code == 200 and jobs.json()  # the demo's returned job at Paris Nord
    assert {(j["agency_code"], j["status"]) for j in jobs.json()} == {("paris-nord", "returned")}
    assert unpaid.status_code == 200
    assert {i["number"][:2] for i in unpaid.json()} == {"LG"}  # the demo's unpaid invoice
    assert bad.status_code == 422


def test_expired_forged_and_unknown_links_serve_nothing(seeded_sqlite_url: str) -> None:
    with web_client(seeded_sqlite_url) as client:
        secret = client.app.state.settings.document_link_secret.get_secret_value()
        now = datetime.now(timezone.utc)
        expired = signed_links.make_token(secret, "invoice", 1, now - timedelta(days=8))
        forged = signed_links.make_token("not-the-secret-of-the-app", "invoice", 1, now)
        unknown_kind = signed_links.make_token(secret, "no_such_kind", 1, now)
        missing = signed_links.make_token(secret, "invoice", 999_999, now)
        draft = signed_links.make_token(secret, "estimate", 999_999, now)
        answers = {
            name: client.get(f"/documents/{token}")
            for name, token in [
                ("expired", expired),
                ("forged", forged),
                ("unknown_kind", unknown_kind),
                ("missing", missing),
                ("draft", draft),
                ("garbage", "not.a.token"),
            ]
        }
    codes = {name: answer.status_code for name, answer in answers.items()}
    assert codes == {
        "expired": 410,
        "forged": 403,
        "unknown_kind": 404,
        "missing": 404,
        "draft": 404,
        "garbage": 403,
    }
    assert all(not a.content.startswith(b"%PDF") for a in answers.values())
    assert answers["expired"].json()["error"]["code"] == "link_expired"
