"""Contact values, names, plates and VINs as people type them."""

from __future__ import annotations

import pytest

from core.customers import clean_name, parse_contact, parse_plate, parse_vin
from core.errors import InvalidValue


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("+33612345678", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("+33 06 12 34 56 78", "+33612345678"),
        ("01 99 00 18 18", "+33199001818"),
        ("  07 00 11 22 33 ", "+33700112233"),
        ("+44 7700 900123", "+447700900123"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("0049 30 1234567", "+49301234567"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(text: str, expected: str) -> None:
    assert parse_contact(text) == ("phone", expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Camille.Martin@Example.FR", "camille.martin@example.fr"),
        ("  jo+pitlane@mail.example.co.uk ", "jo+pitlane@mail.example.co.uk"),
    ],
)
def test_emails_are_trimmed_and_lowercased(text: str, expected: str) -> None:
    assert parse_contact(text) == ("email", expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "bonjour",
        "06 12 34",
        "06 12 34 56 78 90",
        "00 12 34 56 78",
        "+33 5 12",
        "+0 123 456 789",
        "+1234567",
        "06 12 34 56 7a",
        "camille@",
        "@example.fr",
        "camille@example",
        "camille martin@example.fr",
        "camille..martin@example.fr",
        "camille@exa_mple.fr",
    ],
)
def test_anything_else_is_an_invalid_contact(text: str) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_contact(text)
    assert error.value.code == "invalid_contact"


def test_names_are_trimmed_and_inner_spaces_collapsed() -> None:
    assert clean_name("  Léa   Dubois ") == "Léa Dubois"
    assert clean_name("A" * 100) == "A" * 100


@pytest.mark.parametrize("text", ["", "   ", "A" * 101, "1234", "..."])
def test_a_name_needs_one_to_a_hundred_characters_with_a_letter(text: str) -> None:
    with pytest.raises(InvalidValue) as error:
        clean_name(text)
    assert error.value.code == "invalid_name"


@pytest.mark.parametrize("text", ["AB-123-CD", "ab123cd", "ab 123 cd", " Ab-123-cD "])
def test_plates_are_normalised_to_the_siv_format(text: str) -> None:
    assert parse_plate(text) == "AB-123-CD"


@pytest.mark.parametrize("text", ["AB-12-CD", "1234 AB 75", "AI-123-CD", "AB-123-CO", "ABC"])
def test_other_plates_are_refused(text: str) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_plate(text)
    assert error.value.code == "invalid_plate"


def test_a_vin_has_17_characters_without_i_o_or_q() -> None:
    assert parse_vin(" zdm1rbbw5kb012345 ") == "ZDM1RBBW5KB012345"
    for wrong in (
        "ZDM1RBBW5KB01234",
        "ZDM1RBBW5KB0123456",
        "ZDM1RBBW5KB01234O",
        "IDM1RBBW5KB012345",
    ):
        with pytest.raises(InvalidValue):
            parse_vin(wrong)
