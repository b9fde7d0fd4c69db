"""The exceptions core raises; each adapter maps them to its medium once."""

from __future__ import annotations


class PitlaneError(Exception):
    """Base of every domain error: a stable machine `code` and a readable message."""

    default_code = "error"

    def __init__(self, code: str | None = None, message: str | None = None) -> None:
        self.code = code or self.default_code
        self.message = message or self.code
        super().__init__(self.message)


class NotFound(PitlaneError):
    """An agency, service, calendar, booking, ... that does not exist."""

    default_code = "not_found"


class InvalidValue(PitlaneError):
    """A value given by a person that cannot be understood; `code` says which."""

    default_code = "invalid_value"


class SlotTaken(PitlaneError):
    """The slot has no place left (someone was quicker): offer fresh slots."""

    default_code = "slot_taken"


class SlotUnavailable(PitlaneError):
    """The start is not a slot of that calendar (`not_a_slot`) or is in the past (`past`)."""

    default_code = "slot_unavailable"
