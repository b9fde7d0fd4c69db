"""The company's legal identity printed on every estimate, invoice and credit note, and the
default VAT rate: group settings (table `settings`, demo values in data/demo.yaml)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.orm import Session

from core.errors import InvalidValue
from core.models import Agency
from core.money import parse_decimal
from core.settings_store import json_setting, read_setting

LEGAL_IDENTITY = "legal_identity"  # JSON: {"name", "address", "siret", "rcs", "vat_number"}
VAT_RATE = "vat_rate_percent"  # the VAT rate of a new line, in percent [20]
DEFAULT_VAT_RATE_BP = 2000
REQUIRED = ("name", "address", "siret", "rcs", "vat_number")


@dataclass(frozen=True)
class LegalIdentity:
    name: str
    address: str
    siret: str  # the registration number (SIRET)
    rcs: str  # the trade register entry, e.g. "RCS Paris 912 345 678"
    vat_number: str  # intra-community VAT number
    capital: str = ""  # share capital, e.g. "SAS au capital de 50 000 €"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LegalIdentity:
        return cls(**{key: str(data.get(key) or "") for key in (*REQUIRED, "capital")})


def legal_identity(session: Session) -> LegalIdentity:
    """The configured identity; InvalidValue `legal_identity_missing` while a required field
    is empty (no invoice may be issued without it)."""
    data = json_setting(session, LEGAL_IDENTITY, {})
    if not isinstance(data, dict) or any(not str(data.get(k) or "").strip() for k in REQUIRED):
        raise InvalidValue(
            "legal_identity_missing",
            f"set the company's {', '.join(REQUIRED)} in the setting {LEGAL_IDENTITY}",
        )
    return LegalIdentity.from_dict(data)


def default_vat_rate_bp(session: Session) -> int:
    """The VAT rate of a line that does not give one, in basis points (20 % by default)."""
    raw = read_setting(session, VAT_RATE)
    if raw is None:
        return DEFAULT_VAT_RATE_BP
    try:
        rate = parse_decimal(raw, 100, "vat_rate")
    except InvalidValue:
        return DEFAULT_VAT_RATE_BP
    return rate if 0 <= rate <= 10_000 else DEFAULT_VAT_RATE_BP


def agency_address(agency: Agency) -> str:
    return f"{agency.address}, {agency.postcode} {agency.city}"
