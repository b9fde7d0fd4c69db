"""The handoff state machine: pending -> accepted -> closed; pending -> refused | expired |
cancelled; every other move is refused with an error naming both states."""

from __future__ import annotations

import itertools

import pytest

from core.errors import InvalidTransition
from core.handoff import TRANSITIONS, check_transition
from core.models import HANDOFF_STATUSES

VALID = [
    ("pending", "accepted"),
    ("pending", "refused"),
    ("pending", "expired"),
    ("pending", "cancelled"),
    ("accepted", "closed"),
]
INVALID = [pair for pair in itertools.product(HANDOFF_STATUSES, repeat=2) if pair not in VALID]


def test_the_machine_has_exactly_the_five_transitions_of_the_issue() -> None:
    edges = {(current, new) for current, targets in TRANSITIONS.items() for new in targets}
    assert edges == set(VALID)


@pytest.mark.parametrize(("current", "new"), VALID)
def test_a_valid_transition_is_allowed(current: str, new: str) -> None:
    check_transition(current, new)


@pytest.mark.parametrize(("current", "new"), INVALID)
def test_every_other_transition_is_refused_naming_both_states(current: str, new: str) -> None:
    with pytest.raises(InvalidTransition) as caught:
        check_transition(current, new)

    assert caught.value.code == "invalid_transition"
    assert f"from {current} to {new}" in caught.value.message


def test_closed_refused_expired_and_cancelled_are_final() -> None:
    for final in ("closed", "refused", "expired", "cancelled"):
        for new in HANDOFF_STATUSES:
            with pytest.raises(InvalidTransition):
                check_transition(final, new)


def test_an_unknown_status_is_refused_as_an_invalid_transition() -> None:
    with pytest.raises(InvalidTransition, match="unknown handoff status 'lost'"):
        check_transition("pending", "lost")
    with pytest.raises(InvalidTransition, match="unknown handoff status 'lost'"):
        check_transition("lost", "closed")
