"""The 1000 km visit's eligibility rule and quote numbers: pure functions, as tables."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.errors import InvalidValue
from core.workshop import (
    VEHICLE_REQUIRED,
    Visit1000Rule,
    check_visit_1000,
    normalise_quote_number,
    problem_in_request,
    service_from_text,
)

RULE = Visit1000Rule(min_km=500, max_km=1500, max_age_days=365)
TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("mileage", "age_days", "eligible", "reason"),
    [
        (500, 10, True, None),
        (1500, 10, True, None),
        (1000, 365, True, None),
        (499, 10, False, "mileage_too_low"),
        (0, 10, False, "mileage_too_low"),
        (1501, 10, False, "mileage_too_high"),
        (12000, 900, False, "mileage_too_high"),
        (1000, 366, False, "vehicle_too_old"),
        (1000, None, False, "no_registration_date"),
    ],
)
def test_the_1000_km_visit_is_for_500_to_1500_km_on_a_vehicle_under_a_year_old(
    mileage, age_days, eligible, reason
) -> None:
    registered = None if age_days is None else TODAY - timedelta(days=age_days)
    result = check_visit_1000(RULE, mileage, registered, TODAY)
    assert (result.eligible, result.reason) == (eligible, reason)
    assert result.mileage == mileage
    assert result.age_days == age_days


def test_the_rule_is_data_another_rule_gives_other_answers() -> None:
    wider = Visit1000Rule(min_km=100, max_km=3000, max_age_days=730)
    registered = TODAY - timedelta(days=500)
    assert check_visit_1000(wider, 2500, registered, TODAY).eligible
    assert check_visit_1000(RULE, 2500, registered, TODAY).reason == "mileage_too_high"


def test_a_negative_mileage_is_refused() -> None:
    with pytest.raises(InvalidValue) as error:
        check_visit_1000(RULE, -5, TODAY, TODAY)
    assert error.value.code == "mileage_negative"


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("DV-2026-0412", "DV-2026-0412"),
        ("dv-2026-0412", "DV-2026-0412"),
        (" dv 2026-0412 ", "DV2026-0412"),
        ("DV20260412", "DV20260412"),
    ],
)
def test_quote_numbers_are_upper_case_without_spaces(typed, number) -> None:
    assert normalise_quote_number(typed) == number


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "  ",
        "bonjour",
        "??",
        "AB",
        "-123",
        "12345",
        "1000 km visit",
        "visite des 1000",
        "1000KMVISIT",
        "I don't have it with me",
    ],
)
def test_text_that_cannot_be_a_quote_number_is_refused(typed) -> None:
    with pytest.raises(InvalidValue) as error:
        normalise_quote_number(typed)
    assert error.value.code == "invalid_quote_number"


def test_repair_and_the_1000_km_visit_need_the_vehicle_the_others_do_not() -> None:
    assert sorted(VEHICLE_REQUIRED) == ["repair", "visit_1000"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("je voudrais un diagnostic", "diagnostic"),
        ("mon voyant moteur est allumé", "diagnostic"),
        ("my bike needs a repair", "repair"),
        ("j'ai un devis de réparation", "repair"),
        ("visite des 1000", "visit_1000"),
        ("la visite des 1 000 km", "visit_1000"),
        ("1000 km visit", "visit_1000"),
        ("un service rapide", "quick_service"),
        ("quick service please", "quick_service"),
        ("services atelier", None),
        ("bonjour", None),
    ],
)
def test_a_request_names_its_service(text, code) -> None:
    assert service_from_text(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "voyant moteur allumé",
        "ma moto fait un bruit bizarre au freinage",
        "it won't start in the morning",
        "fuite d'huile sous le carter",
    ],
)
def test_a_request_that_describes_a_problem_is_the_description(text) -> None:
    assert problem_in_request(text) == text


@pytest.mark.parametrize(
    "text", ["je voudrais un diagnostic svp", "un diag pour ma moto", "panne", "/diagnostic"]
)
def test_a_request_that_only_asks_for_a_diagnostic_describes_nothing(text) -> None:
    assert problem_in_request(text) is None


def test_only_the_last_question_of_a_validation_is_kept() -> None:
    from actions.workshop import last_question_only

    events = [
        {"event": "slot", "name": "workshop_identify", "value": False},
        {"event": "slot", "name": "requested_slot", "value": "problem_description"},
        {"event": "slot", "name": "problem_description", "value": "bruit au freinage"},
        {"event": "slot", "name": "requested_slot", "value": "problem_images"},
    ]
    assert last_question_only(events) == [events[0], events[2], events[3]]
    assert last_question_only(events[:1]) == events[:1]
