"""Documents given to customers: an estimate's and an invoice's (or credit note's) PDF, in
the customer's language, with the company's legal identity (core/documents/pdf.py)."""

from core.documents.pdf import estimate_pdf, invoice_pdf

__all__ = ["estimate_pdf", "invoice_pdf"]
