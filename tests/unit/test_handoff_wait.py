"""The wait a customer in the advisors' queue is told: their place times the average length
of the recent conversations (core/handoff_queue.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.handoff_queue import DEFAULT_PER_PLACE, wait_for_place

START = datetime(2026, 12, 5, 14, 0, tzinfo=timezone.utc)


def lasting(*minutes: float) -> list[tuple[datetime, datetime | None]]:
    return [(START, START + timedelta(minutes=m)) for m in minutes]


def test_without_history_each_place_counts_the_default() -> None:
    assert wait_for_place(1, []) == DEFAULT_PER_PLACE
    assert wait_for_place(4, []) == 4 * DEFAULT_PER_PLACE


def test_the_average_length_of_recent_conversations_is_multiplied_by_the_place() -> None:
    assert wait_for_place(2, lasting(4, 8)) == timedelta(minutes=12)


def test_conversations_without_a_length_are_left_out_of_the_average() -> None:
    recent = [*lasting(10), (START, None), (START, START), (START, START - timedelta(minutes=1))]
    assert wait_for_place(1, recent) == timedelta(minutes=10)
    assert wait_for_place(3, [(START, None)]) == 3 * DEFAULT_PER_PLACE


def test_the_wait_is_given_in_whole_seconds() -> None:
    assert wait_for_place(1, lasting(1 / 3, 1 / 3, 0.5)) == timedelta(seconds=23)
