"""The rules of customer feedback that need no database: a complaint's text, a survey's
rating, and the statistics staff read (core/feedback.py, core/surveys.py)."""

from __future__ import annotations

import pytest

from core.errors import InvalidValue
from core.feedback import COMPLAINT_MAX_CHARS, COMPLAINT_MIN_CHARS, check_complaint_text
from core.surveys import parse_rating, survey_stats

PARIS = ("paris-nord", "Pitlane Paris Nord")
LYON = ("lyon", "Pitlane Lyon")
DIAGNOSTIC = ("diagnostic", "Diagnostic", "Diagnosis")
REPAIR = ("repair", "Réparation", "Repair")


def row(
    agency: tuple[str, str], service: tuple[str, str, str], rating: int | None, n: int
) -> tuple[object, ...]:
    code, name = agency
    service_code, name_fr, name_en = service
    return (code, name, service_code, name_fr, name_en, rating, n)


def test_a_complaint_is_stored_trimmed() -> None:
    text = "  Ma moto fait toujours le même bruit.  "
    assert check_complaint_text(text) == "Ma moto fait toujours le même bruit."


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "complaint_too_short"),
        (None, "complaint_too_short"),
        ("   " + "x" * (COMPLAINT_MIN_CHARS - 1) + "   ", "complaint_too_short"),
        ("x" * (COMPLAINT_MAX_CHARS + 1), "complaint_too_long"),
    ],
)
def test_a_complaint_too_short_or_too_long_is_refused(text: str | None, code: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        check_complaint_text(text)  # type: ignore[arg-type]
    assert refused.value.code == code


def test_complaints_at_the_limits_are_accepted() -> None:
    assert check_complaint_text("x" * COMPLAINT_MIN_CHARS) == "x" * COMPLAINT_MIN_CHARS
    assert len(check_complaint_text("x" * COMPLAINT_MAX_CHARS)) == COMPLAINT_MAX_CHARS


@pytest.mark.parametrize(("given", "rating"), [(1, 1), (5, 5), ("4", 4), (" 3 ", 3)])
def test_a_rating_is_read_from_a_number_or_its_text(given: int | str, rating: int) -> None:
    assert parse_rating(given) == rating


@pytest.mark.parametrize("given", [0, 6, -1, "", "cinq", "4.5", None, "5 étoiles"])
def test_anything_but_a_whole_number_from_one_to_five_is_not_a_rating(given: object) -> None:
    with pytest.raises(InvalidValue) as refused:
        parse_rating(given)  # type: ignore[arg-type]
    assert refused.value.code == "invalid_rating"


def test_statistics_are_grouped_by_agency_and_service_and_sorted() -> None:
    stats = survey_stats(
        [
            row(PARIS, REPAIR, 5, 1),
            row(PARIS, DIAGNOSTIC, 4, 2),
            row(PARIS, DIAGNOSTIC, 1, 1),
            row(LYON, DIAGNOSTIC, None, 3),
            row(PARIS, DIAGNOSTIC, None, 2),
        ]
    )

    assert [(s.agency_code, s.service) for s in stats] == [
        ("lyon", "diagnostic"),
        ("paris-nord", "diagnostic"),
        ("paris-nord", "repair"),
    ]
    paris_diagnostic = stats[1]
    assert (paris_diagnostic.sent, paris_diagnostic.count) == (5, 3)
    assert paris_diagnostic.average == 3.0
    assert paris_diagnostic.histogram == {1: 1, 2: 0, 3: 0, 4: 2, 5: 0}
    assert (paris_diagnostic.service_name_fr, paris_diagnostic.service_name_en) == (
        "Diagnostic",
        "Diagnosis",
    )


def test_a_service_with_no_rating_yet_has_no_average_and_an_empty_histogram() -> None:
    (lyon,) = survey_stats([row(LYON, DIAGNOSTIC, None, 3)])
    assert (lyon.sent, lyon.count, lyon.average) == (3, 0, None)
    assert lyon.histogram == dict.fromkeys(range(1, 6), 0)


def test_the_average_is_rounded_to_two_places() -> None:
    (stats,) = survey_stats([row(PARIS, REPAIR, 5, 2), row(PARIS, REPAIR, 4, 1)])
    assert stats.average == 4.67


def test_no_survey_sent_gives_no_statistics() -> None:
    assert survey_stats([]) == []
