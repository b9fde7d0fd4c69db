"""Plates and VINs as customers type them: normalised, or refused with a precise code."""

from __future__ import annotations

import pytest

from core.errors import InvalidValue
from core.identity import find_plate_and_vin, normalize_plate, normalize_vin


@pytest.mark.parametrize(
    ("typed", "plate"),
    [
        ("AB-123-CD", "AB-123-CD"),
        ("ab 123 cd", "AB-123-CD"),
        ("ab123cd", "AB-123-CD"),
        (" Ab-123 cD ", "AB-123-CD"),
        ("1234 AB 56", "1234-AB-56"),
        ("1234ab56", "1234-AB-56"),
        ("12 ABC 2A", "12-ABC-2A"),
        ("123 AB 974", "123-AB-974"),
    ],
)
def test_plates_are_normalised(typed: str, plate: str) -> None:
    assert normalize_plate(typed) == plate


@pytest.mark.parametrize(
    "typed", ["", "AB-12-CD", "AB-1234-CD", "OB-123-CD", "ABCDEFG", "12345 AB 56", "AB 123"]
)
def test_bad_plates_are_refused(typed: str) -> None:
    with pytest.raises(InvalidValue) as error:
        normalize_plate(typed)
    assert error.value.code == "invalid_plate"


@pytest.mark.parametrize(
    ("typed", "vin"),
    [
        ("ZDM1RBBW5KB012345", "ZDM1RBBW5KB012345"),
        ("zdm1rbbw5kb012345", "ZDM1RBBW5KB012345"),
        ("ZDM1R-BBW5K-B012345", "ZDM1RBBW5KB012345"),
        ("ZDM1R BBW5K B012345", "ZDM1RBBW5KB012345"),
    ],
)
def test_vins_are_normalised(typed: str, vin: str) -> None:
    assert normalize_vin(typed) == vin


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("ZDM1RBBW5KB01234", "vin_length"),
        ("ZDM1RBBW5KB0123456", "vin_length"),
        ("ZDM1RBBW5KBO12345", "vin_forbidden_letters"),
        ("IDM1RBBW5KB012345", "vin_forbidden_letters"),
        ("ZDM1RBBW5KB01234Q", "vin_forbidden_letters"),
        ("ZDM1RBBW5KB01234!", "invalid_vin"),
        ("", "invalid_vin"),
    ],
)
def test_bad_vins_are_refused_with_a_precise_code(typed: str, code: str) -> None:
    with pytest.raises(InvalidValue) as error:
        normalize_vin(typed)
    assert error.value.code == code


@pytest.mark.parametrize(
    ("message", "found"),
    [
        ("plaque AB-123-CD vin ZDM1RBBW5KB012345", ("AB-123-CD", "ZDM1RBBW5KB012345")),
        ("zdm1rbbw5kb012345 ab123cd", ("AB-123-CD", "ZDM1RBBW5KB012345")),
        ("AB 123 CD ZDM1R BBW5K B012345", ("AB-123-CD", "ZDM1RBBW5KB012345")),
        ("ZDM1R-BBW5K-B012345 / 1234 ab 56", ("1234-AB-56", "ZDM1RBBW5KB012345")),
        ("ma plaque est ab-123-cd", ("AB-123-CD", None)),
        ("VIN: ZDM1RBBW5KB012345", (None, "ZDM1RBBW5KB012345")),
        ("je ne sais pas", (None, None)),
        ("ZDM1RBBW5KB01234", (None, None)),
    ],
)
def test_plate_and_vin_are_found_in_one_message_in_any_order(message: str, found: tuple) -> None:
    assert find_plate_and_vin(message) == found


@pytest.mark.parametrize("typed", ["EV.882.RC", "ev.882.rc", "EV 882 RC", "ev882rc"])
def test_a_plate_typed_with_dots_spaces_or_glued_is_found(typed) -> None:
    assert find_plate_and_vin(f"ma plaque {typed} merci") == ("EV-882-RC", None)
