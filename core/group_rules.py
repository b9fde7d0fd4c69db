"""The group's rules an admin can change: when reminders and surveys go out, and who may
have the 1000 km visit. Stored in the `settings` table (core/settings_store.py); a new
value applies to the appointments booked from then on (the reminder rows already planned
keep their time)."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import InvalidValue
from core.settings_store import (
    REMINDER_HOURS_BEFORE,
    SURVEY_DELAY_HOURS,
    json_setting,
    number_setting,
    write_setting,
)
from core.uow import UnitOfWork

VISIT_1000_RULE = "rule.visit_1000"
MAX_REMINDER_HOURS = 7 * 24
MAX_SURVEY_DELAY_HOURS = 14 * 24
MAX_KM = 100_000
MAX_AGE_DAYS = 10 * 365


@dataclass(frozen=True)
class GroupRules:
    reminder_hours_before: int
    survey_delay_hours: int
    visit_1000_min_km: int
    visit_1000_max_km: int
    visit_1000_max_age_days: int


def get_rules(uow: UnitOfWork) -> GroupRules:
    """The rules in force (defaults where nothing was stored)."""
    with uow:
        session = uow.session
        visit = json_setting(session, VISIT_1000_RULE)
        return GroupRules(
            reminder_hours_before=int(number_setting(session, REMINDER_HOURS_BEFORE)),
            survey_delay_hours=int(number_setting(session, SURVEY_DELAY_HOURS)),
            visit_1000_min_km=int(visit["min_km"]),
            visit_1000_max_km=int(visit["max_km"]),
            visit_1000_max_age_days=int(visit["max_age_days"]),
        )


def check_rules(rules: GroupRules) -> GroupRules:
    """The rules when they make sense; InvalidValue with a precise code otherwise."""
    if not 1 <= rules.reminder_hours_before <= MAX_REMINDER_HOURS:
        raise InvalidValue("invalid_reminder_hours", "the reminder goes 1 to 168 hours before")
    if not 0 <= rules.survey_delay_hours <= MAX_SURVEY_DELAY_HOURS:
        raise InvalidValue("invalid_survey_delay", "the survey goes 0 to 336 hours after")
    if not 0 <= rules.visit_1000_min_km < rules.visit_1000_max_km <= MAX_KM:
        raise InvalidValue(
            "invalid_visit_1000_km", "the mileage range needs 0 <= minimum < maximum <= 100000"
        )
    if not 1 <= rules.visit_1000_max_age_days <= MAX_AGE_DAYS:
        raise InvalidValue("invalid_visit_1000_age", "the vehicle's age limit is 1 to 3650 days")
    return rules


def update_rules(uow: UnitOfWork, rules: GroupRules) -> GroupRules:
    """Store checked rules in one transaction; returns them."""
    check_rules(rules)
    with uow:
        session = uow.session
        write_setting(session, REMINDER_HOURS_BEFORE, str(rules.reminder_hours_before))
        write_setting(session, SURVEY_DELAY_HOURS, str(rules.survey_delay_hours))
        write_setting(
            session,
            VISIT_1000_RULE,
            {
                "min_km": rules.visit_1000_min_km,
                "max_km": rules.visit_1000_max_km,
                "max_age_days": rules.visit_1000_max_age_days,
            },
        )
        uow.commit()
    return rules
