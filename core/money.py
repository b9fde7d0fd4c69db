"""Amounts of estimates, invoices and credit notes: pure arithmetic on integers.

Amounts are integer cents, quantities hundredths (150 = 1.5 h or 1.5 units), VAT rates
basis points (2000 = 20 %). Rounding, stated once:
- a line's amount excl. VAT = quantity x unit price, rounded to the cent, halves away from
  zero (so a credit note's line is exactly the opposite of the invoice's);
- VAT is computed per rate on the sum of the lines' amounts at that rate, rounded the same
  way (not line by line: one rounding per rate, as shown on the document);
- total incl. VAT = total excl. VAT + the VAT of every rate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.errors import InvalidValue

MAX_CENTS = 10_000_000_00  # 10 million euros: any larger amount is a typing error
MAX_QUANTITY_CENTI = 100_000_00  # 100,000 units or hours
MAX_DIGITS = 12  # numbers of more digits typed by a person are refused before any arithmetic


def divide_rounded(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to an integer, halves away from zero (exact, no float)."""
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def line_amount(quantity_centi: int, unit_price_cents: int) -> int:
    """A line's amount excl. VAT in cents."""
    return divide_rounded(quantity_centi * unit_price_cents, 100)


@dataclass(frozen=True)
class VatLine:
    rate_bp: int
    base_cents: int  # the lines' amounts excl. VAT at this rate
    vat_cents: int


@dataclass(frozen=True)
class Totals:
    excl_cents: int
    vat: tuple[VatLine, ...]  # by rate, ascending
    vat_cents: int
    incl_cents: int


def totals(lines: Iterable[tuple[int, int]]) -> Totals:
    """The totals of lines given as (amount excl. VAT in cents, VAT rate in basis points)."""
    bases: dict[int, int] = {}
    for amount, rate in lines:
        bases[rate] = bases.get(rate, 0) + amount
    vat = tuple(
        VatLine(rate, base, divide_rounded(base * rate, 10_000))
        for rate, base in sorted(bases.items())
    )
    excl = sum(bases.values())
    vat_total = sum(v.vat_cents for v in vat)
    return Totals(excl, vat, vat_total, excl + vat_total)


def parse_decimal(text: str | int | float | Decimal, scale: int, what: str) -> int:
    """A decimal written by a person ("12,50", "1.5", 3) as an integer of 1/`scale` units,
    rounded halves up; InvalidValue `invalid_<what>` when it is not a number."""
    raw = str(text).strip().replace(" ", "").replace("\u202f", "").replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InvalidValue(f"invalid_{what}", f"{text!r} is not a number") from None
    # adjusted(): the exponent of the first digit, read without arithmetic (no overflow)
    if not value.is_finite() or value.adjusted() >= MAX_DIGITS:
        raise InvalidValue(f"invalid_{what}", f"{text!r} is not a number of a sensible size")
    return int((value * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def check_line_values(quantity_centi: int, unit_price_cents: int, vat_rate_bp: int) -> None:
    """Refuse a quantity, price or VAT rate no estimate line may have (InvalidValue)."""
    if not 0 < quantity_centi <= MAX_QUANTITY_CENTI:
        raise InvalidValue("invalid_quantity", "the quantity must be above 0")
    if not 0 <= unit_price_cents <= MAX_CENTS:
        raise InvalidValue("invalid_price", "the price must be 0 or more")
    if not 0 <= vat_rate_bp <= 10_000:
        raise InvalidValue("invalid_vat_rate", "the VAT rate must be between 0 and 100 %")
