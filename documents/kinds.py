"""The document kinds the customers' signed links open (core/signed_links.py): an
estimate's PDF (object id: the job), an invoice's or credit note's PDF, and a booking's
calendar invite (.ics, core/ics.py) and PDF confirmation (core/booking_documents.py)."""

from __future__ import annotations

from core import booking_documents, estimates, invoices, signed_links
from core.booking_documents import BOOKING_PDF
from core.errors import NotFound
from core.ics import booking_ics_document
from core.signed_links import Document
from core.uow import UnitOfWork
from documents.pdf import booking_confirmation_pdf, estimate_pdf, invoice_pdf

ESTIMATE = estimates.DOCUMENT_KIND
INVOICE = invoices.DOCUMENT_KIND
BOOKING_ICS = "booking_ics"


def estimate_document(uow: UnitOfWork, job_id: int) -> Document:
    view = estimates.estimate_of(uow, job_id)
    if view is None or view.status == "draft":  # a draft is not the customer's yet
        raise NotFound("unknown_estimate", f"job {job_id} has no estimate sent")
    prefix = "devis" if view.language != "en" else "estimate"
    return Document(f"{prefix}-{job_id}.pdf", "application/pdf", estimate_pdf(view))


def invoice_document(uow: UnitOfWork, invoice_id: int) -> Document:
    view = invoices.get_invoice(uow, invoice_id)
    return Document(f"{view.number}.pdf", "application/pdf", invoice_pdf(view))


def booking_pdf_document(uow: UnitOfWork, booking_id: int) -> Document:
    """The signed-link renderer of kind "booking_pdf"."""
    view = booking_documents.booking_confirmation(uow, booking_id)
    prefix = "confirmation" if view.language == "en" else "confirmation-rdv"
    return Document(
        f"{prefix}-{view.reference}.pdf", "application/pdf", booking_confirmation_pdf(view)
    )


def register_document_kinds() -> None:
    """Register the estimate, invoice, calendar invite and booking confirmation kinds
    (idempotent; called when the app starts)."""
    signed_links.register_kind(ESTIMATE, estimate_document)
    signed_links.register_kind(INVOICE, invoice_document)
    signed_links.register_kind(BOOKING_ICS, booking_ics_document)
    signed_links.register_kind(BOOKING_PDF, booking_pdf_document)
