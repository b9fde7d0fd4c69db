"""The 1000 km visit's eligibility rule. The rule is data (setting `rule.visit_1000`);
`check_visit_1000` is pure so that it can be tested as a table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from core.errors import InvalidValue, NotFound
from core.models import Customer, Vehicle
from core.settings_store import DEFAULTS, json_setting
from core.uow import UnitOfWork

VISIT_1000_KEY = "rule.visit_1000"


@dataclass(frozen=True)
class Visit1000Rule:
    min_km: int
    max_km: int
    max_age_days: int


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str | None  # "mileage_too_low" | "mileage_too_high" | "vehicle_too_old" |
    # "no_registration_date"; None when eligible
    # For the explanation given to the customer (not part of the decision):
    rule: Visit1000Rule | None = None
    mileage: int | None = None
    age_days: int | None = None


def visit_1000_rule(uow: UnitOfWork) -> Visit1000Rule:
    """The rule from the `rule.visit_1000` setting; each missing or unreadable field takes
    its default (500 km, 1,500 km, 365 days)."""
    defaults = DEFAULTS[VISIT_1000_KEY]
    with uow:
        raw = json_setting(uow.session, VISIT_1000_KEY)
    values = dict(defaults)
    if isinstance(raw, dict):
        for key in defaults:
            value = raw.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
                values[key] = int(value)
    return Visit1000Rule(values["min_km"], values["max_km"], values["max_age_days"])


def check_visit_1000(
    rule: Visit1000Rule, mileage: int, first_registration: date | None, today: date
) -> Eligibility:
    """Eligible when min_km <= mileage <= max_km and the vehicle was first registered at
    most `max_age_days` days before `today`. The mileage is checked first."""
    if mileage < 0:
        raise InvalidValue("mileage_negative", f"{mileage} km is negative")
    age_days = None if first_registration is None else (today - first_registration).days

    def result(reason: str | None) -> Eligibility:
        return Eligibility(reason is None, reason, rule, mileage, age_days)

    if mileage < rule.min_km:
        return result("mileage_too_low")
    if mileage > rule.max_km:
        return result("mileage_too_high")
    if age_days is None:
        return result("no_registration_date")
    if age_days > rule.max_age_days:
        return result("vehicle_too_old")
    return result(None)


def visit_1000_eligibility(
    uow: UnitOfWork, customer_id: int, mileage: int, today: date
) -> Eligibility:
    """`check_visit_1000` for the customer's identified vehicle.

    NotFound("vehicle_not_identified") when the customer has not identified a vehicle.
    """
    with uow:
        vehicle = _identified_vehicle(uow.session, customer_id)
        first_registration = vehicle.first_registration
    return check_visit_1000(visit_1000_rule(uow), mileage, first_registration, today)


def visit_1000_age_refusal(uow: UnitOfWork, customer_id: int, today: date) -> Eligibility | None:
    """The age rule alone, before the mileage is asked: a not-eligible `Eligibility`
    ("vehicle_too_old") when the identified vehicle is already too old, else None (young
    enough, registration date unknown or no identified vehicle: the mileage comes first)."""
    with uow:
        try:
            first_registration = _identified_vehicle(uow.session, customer_id).first_registration
        except NotFound:
            return None
    if first_registration is None:
        return None
    rule = visit_1000_rule(uow)
    age_days = (today - first_registration).days
    if age_days <= rule.max_age_days:
        return None
    return Eligibility(False, "vehicle_too_old", rule, None, age_days)


def _identified_vehicle(session: Session, customer_id: int) -> Vehicle:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("unknown_customer", f"no customer {customer_id}")
    vehicle = (
        None
        if customer.identified_vehicle_id is None
        else session.get(Vehicle, customer.identified_vehicle_id)
    )
    if vehicle is None:
        raise NotFound("vehicle_not_identified", "the customer has not identified a vehicle")
    return vehicle
