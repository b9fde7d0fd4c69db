"""Issue 16's whole story with the real processes, through the hub's REST webhook and the
staff API: a customer books a diagnostic in the chat, an advisor checks the bike in (with
its odometer), the mechanic sends an estimate, the customer approves it in the chat with the
notice's button, the mechanic moves the job to ready, the customer is told, the invoice PDF
is issued, and the vehicle's history shows the visit, with the invoice's link in the chat."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import select

from core.models import JobEvent, Vehicle
from tests.e2e.chat import Chat, last_code_sent_to
from tests.e2e.test_workshop_e2e import query

pytestmark = pytest.mark.e2e

ADVISOR = ("conseiller@pitlane.example", "advisor-demo-2026")
MECHANIC = ("mecanicien.paris@pitlane.example", "mechanic-demo-2026")
PROBLEM = "la moto broute a bas regime et le voyant moteur s'allume"


class Staff:
    """One staff member signed in to the staff API (session cookie and CSRF token)."""

    def __init__(self, base_url: str, who: tuple[str, str]) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=30)
        response = self.client.post("/api/staff/login", json={"email": who[0], "password": who[1]})
        assert response.status_code == 200, response.text
        self.csrf = response.json()["csrf_token"]

    def post(self, path: str, body: dict | None = None, status: int = 200) -> dict:
        response = self.client.post(path, json=body or {}, headers={"X-CSRF-Token": self.csrf})
        assert response.status_code == status, (path, response.text)
        return response.json()

    def get(self, path: str) -> httpx.Response:
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.text)
        return response

    def move(self, job_id: int, *statuses: str) -> None:
        for status in statuses:
            version = self.get(f"/api/jobs/{job_id}").json()["version"]
            body = {"to_status": status, "expected_version": version}
            self.post(f"/api/jobs/{job_id}/move", body)


def told(database_url: str, job_id: int, status: str, seconds: float = 30) -> str | None:
    """The notice state of the job's change to `status`, once it is no longer pending."""
    deadline = time.monotonic() + seconds
    state = None
    while time.monotonic() < deadline:
        rows = query(
            database_url,
            select(JobEvent.notice).where(JobEvent.job_id == job_id, JobEvent.to_status == status),
        )
        state = rows[-1][0] if rows else None
        if state not in (None, "pending", "sending"):
            return state
        time.sleep(0.3)
    return state


def test_a_diagnostic_booked_in_the_chat_goes_to_an_invoice_and_the_history(
    stack, database_url
) -> None:
    base = stack.config.web_url
    chat = Chat(base, language="fr")
    chat.say("/identify_vehicle")
    chat.say("ZDM1RBBW5KB012345 ab 123 cd")
    chat.click('/choose{"otp_transport":"email"}')
    chat.say(last_code_sent_to(database_url, "camille.martin@example.fr"))
    assert "AB-123-CD" in chat.text, chat.text

    # 1. the customer books a diagnostic at Paris Nord
    chat.say("je voudrais un diagnostic pour ma moto")
    chat.say(PROBLEM)
    chat.say("/deny")  # no photo
    if any(p.startswith('/choose{"agency"') for p in chat.payloads):
        chat.click('/choose{"agency":"paris-nord"}')
    reference = chat.book_offered_slot()

    # 2. an advisor checks the bike in; the mechanic diagnoses and sends an estimate
    [(vehicle_id,)] = query(database_url, select(Vehicle.id).where(Vehicle.plate == "AB-123-CD"))
    advisor, mechanic = Staff(base, ADVISOR), Staff(base, MECHANIC)
    check_in = {"booking_reference": reference, "vehicle_id": vehicle_id, "mileage_km": 33_480}
    job = advisor.post("/api/jobs", check_in, status=201)
    job_id = job["id"]
    assert job["status"] == "received"
    assert told(database_url, job_id, "received") == "told"
    mechanic.move(job_id, "diagnosing")
    for line in (
        {"kind": "part", "label": "Bougies", "quantity": "2", "unit_price": "18,50"},
        {"kind": "labour", "label": "Diagnostic et réglage", "quantity": "1,5", "unit_price": "60"},
    ):
        mechanic.post(f"/api/jobs/{job_id}/estimate/lines", line, status=201)
    version = mechanic.get(f"/api/jobs/{job_id}").json()["version"]
    sent = mechanic.post(f"/api/jobs/{job_id}/estimate/send", {"expected_version": version})
    assert sent["status"] == "sent"
    assert told(database_url, job_id, "estimate_sent") == "told"

    # 3. the customer reads the estimate in the chat and approves it with its button
    chat.say("merci")  # a REST client gets what was pushed meanwhile with its next reply
    assert "Devis pour votre Ducati Monster 821 (AB-123-CD)" in chat.text, chat.text
    assert "Bougies × 2" in chat.text and "Total TTC" in chat.text
    [pdf_link] = [link for r in chat.replies for link in (r.get("custom") or {}).get("links", [])]
    estimate_pdf = httpx.get(base + pdf_link["url"], timeout=30)
    assert estimate_pdf.status_code == 200 and estimate_pdf.content.startswith(b"%PDF-")
    chat.click(f'/approve_estimate{{"estimate_job":"{job_id}"}}')
    assert "C'est noté : vous acceptez le devis" in chat.text, chat.text
    detail = mechanic.get(f"/api/jobs/{job_id}").json()
    assert detail["status"] == "approved"
    assert detail["estimate"]["decision_channel"] == "web"

    # 4. the mechanic works and moves the job to ready: the customer is told
    mechanic.move(job_id, "in_progress", "ready_for_pickup")
    assert told(database_url, job_id, "ready_for_pickup") == "told"
    chat.say("merci")
    assert "Bonne nouvelle : votre Ducati Monster 821 (AB-123-CD) vous attend" in chat.text

    # 5. the invoice is issued (PDF), the bike handed back
    invoice = advisor.post("/api/invoices", {"job_id": job_id}, status=201)
    assert invoice["total_incl_cents"] == (3_700 + 9_000) * 120 // 100
    pdf = advisor.get(f"/api/invoices/{invoice['id']}/pdf")
    assert pdf.content.startswith(b"%PDF-")
    advisor.move(job_id, "returned")

    # 6. the vehicle's history shows the visit, for staff and in the chat with the invoice
    history = advisor.get(f"/api/vehicles/{vehicle_id}/history").json()
    [entry] = [e for e in history["entries"] if e["job_id"] == job_id]
    assert entry["booking_reference"] == reference and entry["what"] == PROBLEM
    assert (history["readings"][0]["km"], history["readings"][0]["source"]) == (
        33_480,
        "check_in",
    )
    chat.say("historique de ma moto")
    assert PROBLEM in chat.text, chat.text
    links = [link for r in chat.replies for link in (r.get("custom") or {}).get("links", [])]
    [invoice_link] = [link for link in links if invoice["number"] in link["title"]]
    document = httpx.get(base + invoice_link["url"], timeout=30)
    assert document.status_code == 200 and document.content.startswith(b"%PDF-")
