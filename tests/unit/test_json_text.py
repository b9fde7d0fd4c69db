"""The JSON body guard (webapp/json_text.py) refuses lone surrogates in any escape spelling
and lets every other body through, parsing only bodies that hold a surrogate escape."""

from __future__ import annotations

import json

import pytest

from webapp import json_text


@pytest.mark.parametrize(
    "body",
    [
        b'{"message": "a\\ud800b"}',
        b'{"message": "\\uDBFF"}',  # upper-case hex
        b'{"message": "\\udc00 trailing half alone"}',
        b'{"list": ["ok", {"deep": "\\ud83d"}]}',  # a high half without its low half
    ],
)
def test_a_lone_surrogate_escape_is_refused(body: bytes) -> None:
    assert json_text._valid(body) is False


@pytest.mark.parametrize(
    "body",
    [
        b'{"message": "\\ud83d\\ude00"}',  # a valid pair: an emoji
        '{"message": "déjà vu 🏍"}'.encode(),
        b'{"message": "\\\\ud800 is only text here"}',  # an escaped backslash, then letters
        b'{"message": "\\ud800',  # malformed JSON: left to the route's own answer
    ],
)
def test_other_bodies_pass(body: bytes) -> None:
    assert json_text._valid(body) is True


def test_a_body_without_a_surrogate_escape_is_not_parsed(monkeypatch) -> None:
    def parse(_body):
        raise AssertionError("parsed")

    monkeypatch.setattr(json_text.json, "loads", parse)

    assert json_text._valid(json.dumps({"message": "x" * 10_000}).encode()) is True
