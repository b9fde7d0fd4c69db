"""Text UTF-8 cannot hold (a lone surrogate) is refused wherever it enters (docs/security.md)."""

from __future__ import annotations

import json

import pytest

from core.errors import InvalidValue
from core.room_rules import valid_display_name, valid_message_text
from core.unicode_text import all_encodable, encodable
from hub.messages import check_text


def test_a_lone_surrogate_is_not_encodable_but_a_surrogate_pair_from_json_is() -> None:
    assert not encodable("a\ud800b")
    assert encodable(json.loads('"\\ud83d\\ude00"'))  # an emoji written as a pair


def test_a_surrogate_anywhere_in_a_json_value_is_found_keys_included() -> None:
    assert all_encodable({"a": [1, "ok", {"b": None}]})
    assert not all_encodable({"a": [1, {"b": "x\udfff"}]})
    assert not all_encodable({"\ud800": 1})
    assert all_encodable(json.loads("[" * 900 + "]" * 900))  # deep, without recursion


def test_the_hub_refuses_a_lone_surrogate_as_invalid_text() -> None:
    assert check_text("a\ud800b") == "invalid_text"
    assert check_text("bonjour") is None


@pytest.mark.parametrize("check", [valid_message_text, valid_display_name])
def test_rooms_refuse_a_lone_surrogate_as_invalid_text(check) -> None:
    with pytest.raises(InvalidValue) as caught:
        check("Alice \ud800")
    assert caught.value.code == "invalid_text"
