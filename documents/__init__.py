"""Documents rendered for customers and staff (an adapter: the domain in core/ knows none of
this): an estimate's, an invoice's (or credit note's) and a booking confirmation's PDF in the
customer's language, with the company's legal identity (documents/pdf.py, reportlab), and the
kinds the customers' signed links open (documents/kinds.py)."""

from documents.pdf import estimate_pdf, invoice_pdf

__all__ = ["estimate_pdf", "invoice_pdf"]
