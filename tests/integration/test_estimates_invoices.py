"""Estimates, invoices and credit notes on a real database (SQLite and PostgreSQL): the
estimate frozen when sent, the customer's decision taken exactly once, invoice numbers
without gap or duplicate under concurrent issues, credit notes, payments, legal retention."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import estimates, invoices
from core.errors import (
    AlreadyDecided,
    Conflict,
    Forbidden,
    InvalidTransition,
    InvalidValue,
)
from core.jobs import get_job, move
from core.legal import LEGAL_IDENTITY
from core.models import Customer, Invoice
from core.profile import erase_customer
from core.settings_store import write_setting
from tests.integration import test_repair_jobs as repair_jobs
from tests.integration.test_repair_jobs import Workshop, walk, walk_in
from tests.race import race

# the repair jobs' fixtures: a workshop with a customer, a vehicle, an advisor and a mechanic;
# units of work on their own connections for the races
workshop = repair_jobs.workshop

LEGAL = {
    "name": "Pitlane SAS",
    "address": "12 rue des Essais, 75011 Paris",
    "siret": "912 345 678 00017",
    "rcs": "RCS Paris 912 345 678",
    "vat_number": "FR40912345678",
}


@pytest.fixture
def shop(workshop: Workshop) -> Workshop:
    with workshop.uow() as uow:
        write_setting(uow.session, LEGAL_IDENTITY, LEGAL)
        uow.commit()
    return workshop


def diagnosing_job(w: Workshop) -> int:
    return walk(w, walk_in(w).id, ["diagnosing"]).id


def add_lines(w: Workshop, job_id: int) -> estimates.EstimateView:
    estimates.add_line(
        w.uow(),
        job_id,
        kind="part",
        label="Plaquettes avant",
        quantity_centi=200,
        unit_price_cents=3_333,
        by_staff_id=w.mechanic,
    )
    return estimates.add_line(
        w.uow(),
        job_id,
        kind="labour",
        label="Main d'oeuvre",
        quantity_centi=150,
        unit_price_cents=6_500,
        vat_rate_bp=550,
        by_staff_id=w.mechanic,
    )


def sent_job(w: Workshop) -> int:
    job_id = diagnosing_job(w)
    add_lines(w, job_id)
    version = get_job(w.uow(), job_id).version
    estimates.send_estimate(
        w.uow(), job_id, expected_version=version, by_staff_id=w.mechanic, now=w.now
    )
    return job_id


def finished_job(w: Workshop) -> int:
    job_id = sent_job(w)
    estimates.decide(
        w.uow(), job_id, customer_id=w.customer_id, decision="approve", channel="web", now=w.now
    )
    return walk(w, job_id, ["in_progress", "ready_for_pickup"]).id


# ---- estimates


def test_lines_amounts_and_vat_per_rate_are_rounded_half_away_from_zero(shop) -> None:
    view = add_lines(shop, diagnosing_job(shop))

    assert [line.amount_excl_cents for line in view.lines] == [6_666, 9_750]
    assert [(v.rate_bp, v.base_cents, v.vat_cents) for v in view.totals.vat] == [
        (550, 9_750, 536),  # 536.25 -> 536
        (2000, 6_666, 1_333),  # 1333.2 -> 1333
    ]
    assert view.totals.excl_cents == 16_416 and view.totals.incl_cents == 16_416 + 1_869
    assert view.status == "draft"


def test_the_default_vat_rate_comes_from_the_setting(shop) -> None:
    with shop.uow() as uow:
        write_setting(uow.session, "vat_rate_percent", "10")
        uow.commit()
    view = estimates.add_line(
        shop.uow(),
        diagnosing_job(shop),
        kind="other",
        label="Forfait",
        quantity_centi=100,
        unit_price_cents=1_000,
        by_staff_id=shop.advisor,
    )
    assert view.lines[0].vat_rate_bp == 1000


def test_bad_lines_are_refused_and_change_nothing(shop) -> None:
    job_id = diagnosing_job(shop)
    for kind, label, quantity, price in [
        ("gift", "x", 100, 100),
        ("part", " ", 100, 100),
        ("part", "x", 0, 100),
        ("part", "x", 100, -1),
    ]:
        with pytest.raises(InvalidValue):
            estimates.add_line(
                shop.uow(),
                job_id,
                kind=kind,
                label=label,
                quantity_centi=quantity,
                unit_price_cents=price,
                by_staff_id=shop.mechanic,
            )
    assert estimates.estimate_of(shop.uow(), job_id) is None


def test_an_empty_estimate_cannot_be_sent(shop) -> None:
    job_id = diagnosing_job(shop)
    version = get_job(shop.uow(), job_id).version
    with pytest.raises(InvalidValue) as refused:
        estimates.send_estimate(
            shop.uow(), job_id, expected_version=version, by_staff_id=shop.mechanic, now=shop.now
        )
    assert refused.value.code == "estimate_empty"
    assert get_job(shop.uow(), job_id).status == "diagnosing"


def test_sending_moves_the_job_and_freezes_the_lines(shop) -> None:
    job_id = sent_job(shop)

    job = get_job(shop.uow(), job_id)
    assert job.status == "estimate_sent"
    view = estimates.estimate_of(shop.uow(), job_id)
    assert view is not None and view.status == "sent" and view.sent_at == shop.now
    with pytest.raises(InvalidTransition):
        estimates.remove_line(shop.uow(), job_id, view.lines[0].id, by_staff_id=shop.mechanic)
    with pytest.raises(InvalidTransition):
        add_lines(shop, job_id)
    assert estimates.estimate_of(shop.uow(), job_id) == view


def test_a_stale_send_changes_nothing(shop) -> None:
    job_id = diagnosing_job(shop)
    add_lines(shop, job_id)
    with pytest.raises(Exception) as refused:
        estimates.send_estimate(
            shop.uow(), job_id, expected_version=1, by_staff_id=shop.mechanic, now=shop.now
        )
    assert refused.value.code == "stale_version"
    assert estimates.estimate_of(shop.uow(), job_id).status == "draft"
    assert get_job(shop.uow(), job_id).status == "diagnosing"


def test_only_the_jobs_customer_decides_and_only_once(shop) -> None:
    job_id = sent_job(shop)
    with pytest.raises(Forbidden):
        estimates.decide(
            shop.uow(), job_id, customer_id=-1, decision="approve", channel="web", now=shop.now
        )
    later = shop.now + timedelta(minutes=5)
    view = estimates.decide(
        shop.uow(),
        job_id,
        customer_id=shop.customer_id,
        decision="approve",
        channel="telegram",
        now=later,
    )
    assert view.status == "approved" and view.decision_channel == "telegram"
    assert view.decided_at == later
    assert get_job(shop.uow(), job_id).status == "approved"
    with pytest.raises(AlreadyDecided):
        estimates.decide(
            shop.uow(),
            job_id,
            customer_id=shop.customer_id,
            decision="decline",
            channel="web",
            now=later,
        )
    assert get_job(shop.uow(), job_id).status == "approved"


def test_staff_record_a_decline_made_at_the_counter(shop) -> None:
    job_id = sent_job(shop)
    view = estimates.record_decision(
        shop.uow(),
        job_id,
        decision="decline",
        channel="counter",
        by_staff_id=shop.advisor,
        now=shop.now,
    )
    assert (view.status, view.decided_by_staff_id) == ("declined", shop.advisor)
    assert get_job(shop.uow(), job_id).status == "declined"


def test_nothing_moves_a_job_to_in_progress_before_approval(shop) -> None:
    job_id = sent_job(shop)
    job = get_job(shop.uow(), job_id)
    with pytest.raises(InvalidTransition) as refused:
        move(
            shop.uow(),
            job_id,
            "in_progress",
            expected_version=job.version,
            by_staff_id=shop.mechanic,
            now=shop.now,
        )
    assert "in_progress" not in refused.value.allowed


def test_concurrent_decisions_let_exactly_one_through(shop, racing_uow) -> None:
    for _ in range(3):
        job_id = sent_job(shop)
        won, lost = race(
            [
                lambda d=d, c=c, j=job_id: estimates.decide(
                    racing_uow(),
                    j,
                    customer_id=shop.customer_id,
                    decision=d,
                    channel=c,
                    now=shop.now,
                )
                for d, c in [("approve", "web"), ("decline", "whatsapp"), ("approve", "telegram")]
            ]
        )
        assert len(won) == 1 and len(lost) == 2, lost
        assert all(
            isinstance(e, (AlreadyDecided, Conflict)) or e.code == "stale_version" for e in lost
        )
        final = estimates.estimate_of(shop.uow(), job_id)
        assert final.status == won[0].status
        assert get_job(shop.uow(), job_id).status == won[0].status


# ---- invoices


def test_an_invoice_needs_a_finished_job_with_an_approved_estimate(shop) -> None:
    job_id = sent_job(shop)
    with pytest.raises(InvalidTransition):
        invoices.issue_invoice(shop.uow(), job_id, by_staff_id=shop.advisor, now=shop.now)
    declined = walk(shop, walk_in(shop).id, ["diagnosing"]).id
    add_lines(shop, declined)
    version = get_job(shop.uow(), declined).version
    estimates.send_estimate(
        shop.uow(), declined, expected_version=version, by_staff_id=shop.mechanic, now=shop.now
    )
    estimates.record_decision(
        shop.uow(),
        declined,
        decision="decline",
        channel="phone",
        by_staff_id=shop.advisor,
        now=shop.now,
    )
    walk(shop, declined, ["ready_for_pickup"])
    with pytest.raises(InvalidValue) as refused:
        invoices.issue_invoice(shop.uow(), declined, by_staff_id=shop.advisor, now=shop.now)
    assert refused.value.code == "no_approved_estimate"


def test_an_invoice_copies_the_lines_customer_and_legal_identity(shop) -> None:
    job_id = finished_job(shop)
    invoice = invoices.issue_invoice(
        shop.uow(), job_id, by_staff_id=shop.advisor, now=shop.now, billing_address="1 rue A"
    )

    assert invoice.number == "TA-2025-000001"  # test-agency, 2025
    assert invoice.billing_name == "Camille Martin" and invoice.vehicle == "Yamaha MT-07 (AB-1)"
    assert invoice.seller.siret == LEGAL["siret"] and invoice.status == "unpaid"
    assert invoice.totals.incl_cents == 16_416 + 1_869
    assert [line.label for line in invoice.lines] == ["Plaquettes avant", "Main d'oeuvre"]
    with pytest.raises(Conflict):
        invoices.issue_invoice(shop.uow(), job_id, by_staff_id=shop.advisor, now=shop.now)


def test_without_legal_identity_no_invoice_is_issued_and_no_number_is_used(shop) -> None:
    job_id = finished_job(shop)
    with shop.uow() as uow:
        write_setting(uow.session, LEGAL_IDENTITY, {"name": "Pitlane"})
        uow.commit()
    with pytest.raises(InvalidValue):
        invoices.issue_invoice(shop.uow(), job_id, by_staff_id=shop.advisor, now=shop.now)
    with shop.uow() as uow:
        write_setting(uow.session, LEGAL_IDENTITY, LEGAL)
        uow.commit()
    issued = invoices.issue_invoice(shop.uow(), job_id, by_staff_id=shop.advisor, now=shop.now)
    assert issued.number.endswith("-000001")


def test_staff_may_edit_the_lines_before_issuing(shop) -> None:
    job_id = finished_job(shop)
    line = invoices.LineInput("other", "Forfait atelier", 100, 10_000, 2000)
    invoice = invoices.issue_invoice(
        shop.uow(), job_id, by_staff_id=shop.advisor, now=shop.now, lines=[line]
    )
    assert invoice.totals.incl_cents == 12_000


def test_an_issued_invoice_is_never_updated(shop) -> None:
    job_id = finished_job(shop)
    issued = invoices.issue_invoice(shop.uow(), job_id, by_staff_id=shop.advisor, now=shop.now)
    with shop.uow() as uow:
        row = uow.session.get(Invoice, issued.id)
        row.billing_name = "Someone else"
        with pytest.raises(RuntimeError):
            uow.session.flush()
    assert invoices.get_invoice(shop.uow(), issued.id).billing_name == "Camille Martin"


def test_concurrent_issues_give_numbers_without_gap_or_duplicate(shop, racing_uow) -> None:
    jobs = [finished_job(shop) for _ in range(6)]
    won, lost = race(
        [
            lambda j=j: invoices.issue_invoice(
                racing_uow(), j, by_staff_id=shop.advisor, now=shop.now
            )
            for j in jobs
        ]
        + [  # the same job twice: one of the two is refused, and uses no number
            lambda: invoices.issue_invoice(
                racing_uow(), jobs[0], by_staff_id=shop.advisor, now=shop.now
            )
        ]
    )
    assert len(won) == 6 and len(lost) == 1 and isinstance(lost[0], Conflict)
    numbers = sorted(invoice.number for invoice in won)
    assert numbers == [f"TA-2025-{n:06d}" for n in range(1, 7)]


def test_credit_notes_correct_part_then_the_rest_and_never_more(shop) -> None:
    invoice = invoices.issue_invoice(
        shop.uow(), finished_job(shop), by_staff_id=shop.advisor, now=shop.now
    )
    pads = invoice.lines[0]
    partial = invoices.issue_credit_note(
        shop.uow(),
        invoice.id,
        by_staff_id=shop.advisor,
        now=shop.now,
        reason="Une plaquette non posée",
        lines=[(pads.id, 100)],
    )
    assert partial.number == "AV-TA-2025-000001" and partial.corrects_number == invoice.number
    assert partial.totals.excl_cents == -3_333 and partial.totals.incl_cents == -4_000
    with pytest.raises(InvalidValue) as refused:
        invoices.issue_credit_note(
            shop.uow(),
            invoice.id,
            by_staff_id=shop.advisor,
            now=shop.now,
            reason="x",
            lines=[(pads.id, 101)],
        )
    assert refused.value.code == "credit_exceeds_invoice"
    rest = invoices.issue_credit_note(
        shop.uow(), invoice.id, by_staff_id=shop.advisor, now=shop.now, reason="Annulation"
    )
    assert rest.number == "AV-TA-2025-000002"
    assert partial.totals.excl_cents + rest.totals.excl_cents == -invoice.totals.excl_cents
    assert invoices.get_invoice(shop.uow(), invoice.id).credit_notes == (
        partial.number,
        rest.number,
    )
    with pytest.raises(InvalidValue):
        invoices.issue_credit_note(
            shop.uow(), invoice.id, by_staff_id=shop.advisor, now=shop.now, reason="encore"
        )


def test_a_payment_is_recorded_once(shop) -> None:
    invoice = invoices.issue_invoice(
        shop.uow(), finished_job(shop), by_staff_id=shop.advisor, now=shop.now
    )
    with pytest.raises(InvalidValue):
        invoices.record_payment(
            shop.uow(), invoice.id, method="bitcoin", by_staff_id=shop.advisor, now=shop.now
        )
    paid = invoices.record_payment(
        shop.uow(), invoice.id, method="card", by_staff_id=shop.advisor, now=shop.now
    )
    assert paid.status == "paid" and paid.payment.method == "card"
    with pytest.raises(Conflict):
        invoices.record_payment(
            shop.uow(), invoice.id, method="cash", by_staff_id=shop.advisor, now=shop.now
        )
    listed = invoices.list_invoices(shop.uow(), status="unpaid")
    assert invoice.id not in [i.id for i in listed]


def test_erasing_the_customer_keeps_invoices_and_credit_notes_intact(shop) -> None:
    invoice = invoices.issue_invoice(
        shop.uow(),
        finished_job(shop),
        by_staff_id=shop.advisor,
        now=shop.now,
        billing_address="3 rue B, Paris",
    )
    note = invoices.issue_credit_note(
        shop.uow(), invoice.id, by_staff_id=shop.advisor, now=shop.now, reason="Geste"
    )

    kept = [invoices.get_invoice(shop.uow(), i) for i in (invoice.id, note.id)]

    erase_customer(shop.uow(), shop.customer_id, shop.now)

    with shop.uow() as uow:
        assert uow.session.get(Customer, shop.customer_id).email is None  # erased as today
    for before in kept:
        after = invoices.get_invoice(shop.uow(), before.id)
        assert after == before
        assert after.billing_name == "Camille Martin" and after.billing_address == "3 rue B, Paris"
