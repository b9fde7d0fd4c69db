"""A one-time code is recognised in any typed form, and only a code is; delays grow."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.otp_limits import DEFAULT_LIMITS, Rule
from hub.codes import find_code, has_code


@pytest.mark.parametrize(
    "text",
    [
        "275887",
        "275 887",
        "275-887",
        "275.887",
        "275/887",
        " 27 58 87 ",
        "2 7 5 8 8 7",
        "mon code : 275 887",
        "le code est 275-887.",
        "code 275887 merci",
    ],
)
def test_a_code_is_read_in_any_typed_form(text: str) -> None:
    assert has_code(text)
    assert find_code(text) == "275887"


@pytest.mark.parametrize(
    "text",
    [
        "12345",  # five digits
        "1234567",  # seven
        "06 12 34 56 78",  # a phone number
        "ZDM1RBBW5KB012345",  # the digits of a VIN
        "AB-123-CD",
        "275--887",
        "je n'ai rien reçu",
    ],
)
def test_what_is_not_a_code_is_not_taken_for_one(text: str) -> None:
    assert not has_code(text)
    assert find_code(text) is None


def test_two_codes_or_a_long_text_are_masked_but_not_checked() -> None:
    assert has_code("275887 ou 123456") and find_code("275887 ou 123456") is None
    long_text = "bonjour, voici le code que j'ai reçu par SMS ce matin vers 10 h : 275 887"
    assert has_code(long_text) and find_code(long_text) is None


def test_delays_are_free_then_double_up_to_their_cap() -> None:
    rule = Rule(3, timedelta(seconds=30), timedelta(minutes=5))
    assert [rule.delay(n).total_seconds() for n in range(8)] == [0, 0, 0, 30, 60, 120, 240, 300]


def test_a_scale_widens_free_allowances_only() -> None:
    scaled = DEFAULT_LIMITS.scaled(10)
    assert scaled.attempt["vehicle_id"].free == DEFAULT_LIMITS.attempt["vehicle_id"].free * 10
    assert scaled.attempt["vehicle_id"].cap == DEFAULT_LIMITS.attempt["vehicle_id"].cap
    assert scaled.alert_after == DEFAULT_LIMITS.alert_after * 10
    assert DEFAULT_LIMITS.scaled(1) is DEFAULT_LIMITS


def test_a_wrong_code_delay_never_outlasts_a_code() -> None:
    """The owner is slowed, never locked out longer than a code lives (5 minutes)."""
    for rule in (DEFAULT_LIMITS.attempt["vehicle_id"], DEFAULT_LIMITS.attempt["contact_hash"]):
        assert rule.cap <= timedelta(minutes=5)
