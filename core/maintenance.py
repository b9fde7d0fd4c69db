"""The client's maintenance rules (spec 003, "Workflow Chatbot")."""

from __future__ import annotations

from datetime import date
from enum import Enum

SERVICE_MILEAGE_KM = 10_000
MAINTENANCE_SERVICE = "maintenance"  # the service code booked when a service is due


def service_overdue(last_service: date, today: date) -> bool:
    """True when the last service was strictly more than one year before `today`.

    Compared as (year, month, day) so that 29 February needs no special case: a service
    on 2024-02-29 is due from 2025-03-01 (on 2025-02-28 the year is not yet over).
    Exactly one year ago (same day and month) is not overdue.
    """
    anniversary = (last_service.year + 1, last_service.month, last_service.day)
    return (today.year, today.month, today.day) > anniversary


def mileage_requires_service(km: int) -> bool:
    """True from 10,000 km ridden since the last service."""
    return km >= SERVICE_MILEAGE_KM


class Question(str, Enum):
    """What the maintenance check asks, in the client's order."""

    YEAR = "year"
    LAST_SERVICE = "last_service"
    MILEAGE = "mileage"
    WISH = "wish"


def questions(*, last_service: date | None, today: date, km: int | None = None) -> list[Question]:
    """The questions to ask given the answers so far: the branch of the tree being walked.

    Year and last service always; the mileage only when the service is not overdue; the
    wish for a service anyway only when the mileage is under 10,000 km.
    """
    asked = [Question.YEAR, Question.LAST_SERVICE]
    if last_service is None or service_overdue(last_service, today):
        return asked
    asked.append(Question.MILEAGE)
    if km is None or mileage_requires_service(km):
        return asked
    asked.append(Question.WISH)
    return asked


class Verdict(str, Enum):
    """Where a maintenance check stands given the answers collected so far."""

    NEED_LAST_SERVICE = "need_last_service"
    NEED_MILEAGE = "need_mileage"
    NEED_WISH = "need_wish"
    DUE = "due"
    NOT_WANTED = "not_wanted"


def maintenance_verdict(
    *,
    last_service: date | None,
    today: date,
    km: int | None = None,
    wants_service: bool | None = None,
) -> Verdict:
    """Walk the client's decision tree as far as the answers allow.

    Overdue -> due. Otherwise ask the mileage; at least 10,000 km -> due. Otherwise ask
    whether they want a service anyway: yes -> due, no -> not wanted.
    """
    if last_service is None:
        return Verdict.NEED_LAST_SERVICE
    if service_overdue(last_service, today):
        return Verdict.DUE
    if km is None:
        return Verdict.NEED_MILEAGE
    if mileage_requires_service(km):
        return Verdict.DUE
    if wants_service is None:
        return Verdict.NEED_WISH
    return Verdict.DUE if wants_service else Verdict.NOT_WANTED
