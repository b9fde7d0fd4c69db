"""The rules of chat rooms that need no database: names, descriptions, capacities and
messages are cleaned and checked before any row is touched (core/room_rules.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from core.errors import InvalidValue
from core.room_rules import (
    DESCRIPTION_MAX,
    DISPLAY_NAME_LENGTH,
    MAX_CAPACITY,
    MESSAGE_MAX,
    NAME_LENGTH,
    valid_capacity,
    valid_description,
    valid_display_name,
    valid_message_text,
    valid_room_name,
)


def code_of(call: Callable[..., object], *args: object) -> str:
    with pytest.raises(InvalidValue) as refused:
        call(*args)
    return refused.value.code


def test_a_room_name_loses_invisible_characters_and_extra_spaces() -> None:
    assert valid_room_name("  Trail\u200b  du \x07 dimanche ") == "Trail du dimanche"


@pytest.mark.parametrize("name", ["", "x", "\u200b\u200bx", "y" * (NAME_LENGTH[1] + 1), None])
def test_a_room_name_too_short_or_too_long_is_refused(name: str | None) -> None:
    assert code_of(valid_room_name, name) == "invalid_room_name"


def test_a_room_name_at_its_limits_is_kept() -> None:
    low, high = NAME_LENGTH
    assert valid_room_name("a" * low) == "a" * low
    assert valid_room_name("b" * high) == "b" * high


def test_an_empty_description_is_none_and_a_long_one_is_refused() -> None:
    assert valid_description(None) is None
    assert valid_description("   \u200b ") is None
    assert valid_description(" Sorties  du week-end ") == "Sorties du week-end"
    assert valid_description("d" * DESCRIPTION_MAX) == "d" * DESCRIPTION_MAX
    assert code_of(valid_description, "d" * (DESCRIPTION_MAX + 1)) == "description_too_long"


@pytest.mark.parametrize("capacity", [0, -1, MAX_CAPACITY + 1, True, 2.0, "5"])
def test_a_capacity_is_a_whole_number_from_one_to_the_maximum(capacity: object) -> None:
    assert code_of(valid_capacity, capacity) == "invalid_capacity"


def test_the_capacities_at_the_limits_are_accepted() -> None:
    assert (valid_capacity(1), valid_capacity(MAX_CAPACITY)) == (1, MAX_CAPACITY)


def test_a_display_name_has_its_own_limits() -> None:
    low, high = DISPLAY_NAME_LENGTH
    assert valid_display_name("  Jo  ") == "Jo"
    assert code_of(valid_display_name, "J") == "invalid_display_name"
    assert code_of(valid_display_name, "J" * (high + 1)) == "invalid_display_name"
    assert valid_display_name("J" * high) == "J" * high
    assert low == 2


def test_a_message_keeps_its_lines_but_not_their_extra_spaces() -> None:
    assert valid_message_text("  salut   toi \n\n  ça va ?\x00 ") == "salut toi\n\nça va ?"


def test_an_empty_or_too_long_message_is_refused() -> None:
    assert code_of(valid_message_text, " \n \u200b ") == "empty_message"
    assert code_of(valid_message_text, "x" * (MESSAGE_MAX + 1)) == "message_too_long"
    assert valid_message_text("x" * MESSAGE_MAX) == "x" * MESSAGE_MAX
