"""The repair job's transition table (core/job_states.py) against the model's statuses."""

from __future__ import annotations

from itertools import pairwise

from core.job_states import CLOSED, NEXT_STATUSES, can_move, from_statuses, is_open, next_statuses
from core.models import JOB_STATUSES


def test_every_status_has_its_line_and_leads_only_to_known_statuses() -> None:
    assert set(NEXT_STATUSES) == set(JOB_STATUSES)
    for nexts in NEXT_STATUSES.values():
        assert set(nexts) <= set(JOB_STATUSES)


def test_the_workshop_path_from_check_in_to_pickup() -> None:
    path = [
        "received",
        "diagnosing",
        "estimate_sent",
        "approved",
        "in_progress",
        "waiting_parts",
        "in_progress",
        "ready_for_pickup",
        "returned",
    ]
    assert all(can_move(a, b) for a, b in pairwise(path))


def test_a_declined_estimate_gives_the_vehicle_back() -> None:
    assert next_statuses("declined") == ("ready_for_pickup", "returned", "cancelled")
    assert not can_move("declined", "in_progress")


def test_cancelled_is_reachable_from_every_status_before_returned_and_nothing_follows_the_end() -> (
    None
):
    assert set(from_statuses("cancelled")) == set(JOB_STATUSES) - set(CLOSED)
    assert next_statuses("returned") == () and next_statuses("cancelled") == ()
    assert not is_open("returned") and is_open("waiting_parts")


def test_no_skipping_the_estimate_nor_going_back() -> None:
    assert not can_move("received", "in_progress")
    assert not can_move("diagnosing", "approved")
    assert not can_move("ready_for_pickup", "in_progress")
    assert not can_move("received", "received")
    assert next_statuses("no_such_status") == ()


def test_staff_moves_never_lead_to_the_estimates_statuses() -> None:
    from core.job_states import ESTIMATE_STATUSES, staff_moves

    assert staff_moves("diagnosing") == ("cancelled",)
    assert staff_moves("estimate_sent") == ("cancelled",)
    assert staff_moves("in_progress") == next_statuses("in_progress")
    for status in JOB_STATUSES:
        assert not set(staff_moves(status)) & set(ESTIMATE_STATUSES)
