"""The client's maintenance rules (core/maintenance.py)."""

from __future__ import annotations

from datetime import date

import pytest

from core.maintenance import (
    Question,
    Verdict,
    maintenance_verdict,
    mileage_requires_service,
    questions,
    service_overdue,
)
from core.parsing import parse_past_date

TODAY = date(2025, 5, 20)


@pytest.mark.parametrize(
    ("last_service", "today", "overdue"),
    [
        (date(2024, 5, 20), date(2025, 5, 20), False),  # exactly one year: not more than one
        (date(2024, 5, 19), date(2025, 5, 20), True),
        (date(2024, 5, 21), date(2025, 5, 20), False),
        (date(2025, 5, 20), date(2025, 5, 20), False),
        (date(2020, 1, 1), date(2025, 5, 20), True),
        (date(2024, 12, 31), date(2025, 12, 31), False),
        (date(2024, 12, 31), date(2026, 1, 1), True),
        # 29 February: the year is over once February is
        (date(2024, 2, 29), date(2025, 2, 28), False),
        (date(2024, 2, 29), date(2025, 3, 1), True),
        (date(2023, 2, 28), date(2024, 2, 28), False),
        (date(2023, 2, 28), date(2024, 2, 29), True),
        (date(2023, 3, 1), date(2024, 2, 29), False),
        (date(2023, 3, 1), date(2024, 3, 1), False),
        (date(2023, 3, 1), date(2024, 3, 2), True),
    ],
)
def test_service_overdue_strictly_more_than_one_year(
    last_service: date, today: date, overdue: bool
) -> None:
    assert service_overdue(last_service, today) is overdue


@pytest.mark.parametrize(
    ("km", "required"), [(0, False), (9_999, False), (10_000, True), (25_000, True)]
)
def test_mileage_requires_service_from_10000_km(km: int, required: bool) -> None:
    assert mileage_requires_service(km) is required


@pytest.mark.parametrize(
    ("typed", "overdue"),
    [
        ("il y a un an", False),
        ("a year ago", False),
        ("il y a 13 mois", True),
        ("il y a 11 mois", False),
        ("l'été dernier", False),
        ("mars 2023", True),
    ],
)
def test_typed_dates_and_the_one_year_rule_agree(typed: str, overdue: bool) -> None:
    assert service_overdue(parse_past_date(typed, TODAY), TODAY) is overdue


Y, L, M, W = Question.YEAR, Question.LAST_SERVICE, Question.MILEAGE, Question.WISH


@pytest.mark.parametrize(
    ("last_service", "km", "expected"),
    [
        (None, None, [Y, L]),
        (date(2023, 1, 1), None, [Y, L]),  # overdue: no more questions
        (date(2025, 1, 1), None, [Y, L, M]),
        (date(2025, 1, 1), 12_000, [Y, L, M]),
        (date(2025, 1, 1), 10_000, [Y, L, M]),
        (date(2025, 1, 1), 9_999, [Y, L, M, W]),
    ],
)
def test_questions_follow_the_branch(
    last_service: date | None, km: int | None, expected: list[Question]
) -> None:
    assert questions(last_service=last_service, today=TODAY, km=km) == expected


@pytest.mark.parametrize(
    ("last_service", "km", "wish", "verdict"),
    [
        (None, None, None, Verdict.NEED_LAST_SERVICE),
        (date(2023, 1, 1), None, None, Verdict.DUE),
        (date(2025, 1, 1), None, None, Verdict.NEED_MILEAGE),
        (date(2025, 1, 1), 10_000, None, Verdict.DUE),
        (date(2025, 1, 1), 5_000, None, Verdict.NEED_WISH),
        (date(2025, 1, 1), 5_000, True, Verdict.DUE),
        (date(2025, 1, 1), 5_000, False, Verdict.NOT_WANTED),
    ],
)
def test_maintenance_verdict_walks_the_decision_tree(
    last_service: date | None, km: int | None, wish: bool | None, verdict: Verdict
) -> None:
    result = maintenance_verdict(last_service=last_service, today=TODAY, km=km, wants_service=wish)
    assert result is verdict
