"""What the planning and dashboard pages show, built from core/planning.py and
core/dashboard.py: plain values and chart geometry, no markup (the templates draw it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.dashboard import Dashboard
from core.formatting import format_day, format_number, local_time
from core.planning import PlanDay, PlannedBooking, Planning


@dataclass(frozen=True)
class SlotLine:
    time: str
    free: str  # "2/3 libres" or "" for a past slot
    full: bool
    past: bool
    people: list[tuple[str, str, str]]  # (reference, first name, status label)


@dataclass(frozen=True)
class DayCard:
    iso: str
    label: str
    today: bool
    closed: bool
    slots: list[SlotLine]
    off_grid: list[tuple[str, str, str]]


def _person(
    booking: PlannedBooking, t: dict[str, str], tz: str, with_time: bool = False
) -> tuple[str, str, str]:
    name = booking.first_name or t["anonymous_customer"]
    if with_time:
        name = f"{local_time(booking.start_utc, tz):%H:%M} {name}"
    return booking.reference, name, t[f"booking_status_{booking.status}"]


def day_card(day: PlanDay, t: dict[str, str], lang: str, tz: str, today: date) -> DayCard:
    lines = [
        SlotLine(
            time=f"{local_time(slot.start_utc, tz):%H:%M}",
            free="" if slot.past else t["planning_free"].format(free=slot.free, places=slot.places),
            full=slot.free == 0,
            past=slot.past,
            people=[_person(b, t, tz) for b in slot.bookings],
        )
        for slot in day.slots
    ]
    return DayCard(
        iso=day.day.isoformat(),
        label=format_day(day.day, lang),
        today=day.day == today,
        closed=day.closed,
        slots=lines,
        off_grid=[_person(b, t, tz, with_time=True) for b in day.off_grid],
    )


def day_cards(plan: Planning, t: dict[str, str], lang: str, tz: str, today: date) -> list[DayCard]:
    return [day_card(day, t, lang, tz, today) for day in plan.days]


@dataclass(frozen=True)
class Column:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str  # the week, "17/11"
    centre: float
    value_y: float


@dataclass(frozen=True)
class WeekChart:
    key: str
    width: int
    height: int
    title: str
    columns: list[Column]


def week_chart(key: str, title: str, weeks: list[tuple[date, int]], lang: str) -> WeekChart:
    """The geometry of a column chart of one figure per week (partials/week_chart.html)."""
    width, height, top, bottom = 480, 170, 18, 22
    highest = max((value for _, value in weeks), default=0) or 1
    plot = height - top - bottom
    step = width / max(1, len(weeks))
    column_width = step * 0.6
    columns = []
    for index, (monday, value) in enumerate(weeks):
        column_height = round(plot * value / highest, 1)
        y = round(top + plot - column_height, 1)
        columns.append(
            Column(
                x=round(index * step + (step - column_width) / 2, 1),
                y=y,
                width=round(column_width, 1),
                height=column_height,
                value=value,
                label=f"{monday:%d/%m}",
                centre=round(index * step + step / 2, 1),
                value_y=round(y - 4, 1),
            )
        )
    values = ", ".join(f"{c.label}: {format_number(c.value, lang)}" for c in columns)
    return WeekChart(key, width, height, f"{title} ({values})", columns)


@dataclass(frozen=True)
class Figure:
    key: str
    value: str
    label: str


def figures(board: Dashboard, t: dict[str, str], lang: str) -> list[Figure]:
    """The headline figures of the dashboard."""
    if board.turnaround_hours is None:
        turnaround = "—"
    else:
        days = format_number(board.turnaround_hours / 24, lang, decimals=1)
        turnaround = t["dashboard_days"].format(days=days)
    decided = board.approved + board.declined
    rate = "—" if not decided else f"{round(100 * board.approved / decided)} %"
    return [
        Figure(
            "bookings",
            format_number(sum(w.bookings for w in board.weeks), lang),
            t["dashboard_bookings"],
        ),
        Figure("jobs", format_number(sum(w.jobs for w in board.weeks), lang), t["dashboard_jobs"]),
        Figure("turnaround", turnaround, t["dashboard_turnaround"].format(count=board.returned)),
        Figure("approved", str(board.approved), t["dashboard_approved"]),
        Figure("declined", str(board.declined), t["dashboard_declined"]),
        Figure("approval_rate", rate, t["dashboard_approval_rate"]),
        Figure("no_shows", str(board.no_shows), t["dashboard_no_shows"]),
    ]
