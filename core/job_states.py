"""The repair job's state machine: which status may follow which (docs/workshop.md).

Pure data and functions; core/jobs.py applies a move as one conditional UPDATE."""

from __future__ import annotations

CLOSED = ("returned", "cancelled")

# status -> the statuses it may go to; cancelled is reachable from every status before the
# vehicle is returned, and nothing follows returned or cancelled.
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    "received": ("diagnosing", "cancelled"),
    "diagnosing": ("estimate_sent", "cancelled"),
    "estimate_sent": ("approved", "declined", "cancelled"),
    "approved": ("in_progress", "cancelled"),
    # the customer takes the vehicle back unrepaired: ready for pickup, or returned at once
    "declined": ("ready_for_pickup", "returned", "cancelled"),
    "in_progress": ("waiting_parts", "ready_for_pickup", "cancelled"),
    "waiting_parts": ("in_progress", "cancelled"),
    "ready_for_pickup": ("returned", "cancelled"),
    "returned": (),
    "cancelled": (),
}

# Reached only through the estimate (core/estimates.py: sending it, the customer's decision):
# a staff member's plain move (the job page, POST /api/jobs/{id}/move) never leads there, so
# no job is "estimate sent" without an estimate.
ESTIMATE_STATUSES = ("estimate_sent", "approved", "declined")


def next_statuses(status: str) -> tuple[str, ...]:
    """The statuses a job in `status` may move to (none for an unknown status)."""
    return NEXT_STATUSES.get(status, ())


def staff_moves(status: str) -> tuple[str, ...]:
    """The statuses staff may move a job in `status` to directly (not the estimate's)."""
    return tuple(s for s in next_statuses(status) if s not in ESTIMATE_STATUSES)


def can_move(from_status: str, to_status: str) -> bool:
    return to_status in next_statuses(from_status)


def from_statuses(to_status: str) -> tuple[str, ...]:
    """The statuses from which a job may move to `to_status`."""
    return tuple(status for status, nexts in NEXT_STATUSES.items() if to_status in nexts)


def is_open(status: str) -> bool:
    return status not in CLOSED
