"""The demo's estimates and invoices (data/demo.yaml, `money_demo`): walk-in jobs taken
through the real service functions to a stage (an estimate draft, sent, approved or
declined, the work done, invoiced, paid, credited), so the numbers come from the counters."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from core import estimates, invoices
from core.jobs import get_job, move, open_walk_in
from core.models import StaffUser, Vehicle
from core.money import parse_decimal
from core.uow import UnitOfWork

STAGES = (
    "draft",
    "sent",
    "approved",
    "declined",
    "ready",
    "invoiced",
    "paid",
    "credited",
)


def load_money_demo(uow: UnitOfWork, entries: list[dict[str, Any]], now: datetime) -> int:
    """Create the demo jobs of `entries`; returns how many."""
    for entry in entries:
        _one(uow, entry, now - timedelta(days=int(entry.get("days_ago", 0))))
    return len(entries)


def _one(uow: UnitOfWork, entry: dict[str, Any], at: datetime) -> None:
    stage = STAGES.index(entry["stage"])
    with uow:
        vehicle = uow.session.scalar(select(Vehicle.id).where(Vehicle.plate == entry["plate"]))
        staff = uow.session.scalar(select(StaffUser.id).where(StaffUser.email == entry["by"]))
    assert vehicle is not None and staff is not None, entry
    job = open_walk_in(
        uow,
        agency_code=entry["agency"],
        vehicle_id=vehicle,
        problem=entry["problem"],
        by_staff_id=staff,
        now=at,
    ).id

    def walk(*statuses: str) -> None:
        for status in statuses:
            version = get_job(uow, job).version
            move(uow, job, status, expected_version=version, by_staff_id=staff, now=at)

    walk("diagnosing")
    for line in entry["lines"]:
        estimates.add_line(
            uow,
            job,
            kind=line["kind"],
            label=line["label"],
            quantity_centi=parse_decimal(line["quantity"], 100, "quantity"),
            unit_price_cents=parse_decimal(line["unit_price"], 100, "price"),
            vat_rate_bp=parse_decimal(line.get("vat_rate", 20), 100, "vat_rate"),
            by_staff_id=staff,
        )
    if stage < STAGES.index("sent"):
        return
    version = get_job(uow, job).version
    estimates.send_estimate(uow, job, expected_version=version, by_staff_id=staff, now=at)
    if stage == STAGES.index("sent"):
        return
    decision = "decline" if entry["stage"] == "declined" else "approve"
    customer = get_job(uow, job).customer_id
    assert customer is not None
    estimates.decide(
        uow, job, customer_id=customer, decision=decision, channel=entry["channel"], now=at
    )
    if stage < STAGES.index("ready"):
        return
    walk("in_progress", "ready_for_pickup")
    if stage < STAGES.index("invoiced"):
        return
    invoice = invoices.issue_invoice(
        uow, job, by_staff_id=staff, now=at, billing_address=entry.get("billing_address")
    ).id
    if stage >= STAGES.index("paid"):
        invoices.record_payment(uow, invoice, method=entry["method"], by_staff_id=staff, now=at)
    if stage >= STAGES.index("credited"):
        invoices.issue_credit_note(
            uow, invoice, by_staff_id=staff, now=at, reason=entry["credit_reason"]
        )
