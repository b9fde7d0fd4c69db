"""What the repair jobs' pages show (templates workshop_planning.html, job.html,
check_in.html, walk_in.html), built from core's views: plain values, no markup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.formatting import format_day, format_slot, format_week_label
from core.job_views import JobEventView, JobView
from core.staff import StaffView

STATUS_BADGES = {
    "received": "open",
    "diagnosing": "open",
    "estimate_sent": "answered",
    "approved": "answered",
    "declined": "closed",
    "in_progress": "open",
    "waiting_parts": "waiting",
    "ready_for_pickup": "done",
    "returned": "closed",
    "cancelled": "closed",
}


@dataclass(frozen=True)
class Status:
    code: str
    label: str
    badge: str


def status_of(code: str, t: dict[str, str]) -> Status:
    return Status(code, t.get(f"job_status_{code}", code), STATUS_BADGES.get(code, "open"))


def first_name(name: str | None, t: dict[str, str]) -> str:
    return name.split()[0] if name and name.split() else t["job_no_customer"]


@dataclass(frozen=True)
class PlanningRow:
    id: int
    url: str
    vehicle: str
    customer: str
    status: Status
    expected: str
    problem: str


def planning_row(job: JobView, t: dict[str, str], lang: str, tz: str) -> PlanningRow:
    return PlanningRow(
        id=job.id,
        url=f"/staff/jobs/{job.id}",
        vehicle=job.vehicle or t["job_no_vehicle"],
        customer=first_name(job.customer_name, t),
        status=status_of(job.status, t),
        expected=format_slot(job.expected_completion, tz, lang)
        if job.expected_completion
        else t["job_no_expected"],
        problem=job.problem if len(job.problem) <= 140 else job.problem[:139] + "…",
    )


@dataclass(frozen=True)
class Period:
    """The planning's period: its label and the links to the one before and after."""

    label: str
    previous: str
    next: str
    today: str
    day_link: str
    week_link: str


def period(day: date, span: str, mechanic: int | None, today: date, lang: str) -> Period:
    step = timedelta(days=7 if span == "week" else 1)

    def link(d: date, s: str) -> str:
        who = f"&mechanic={mechanic}" if mechanic is not None else ""
        return f"/staff/workshop?day={d.isoformat()}&span={s}{who}"

    if span == "week":
        label = format_week_label(day - timedelta(days=day.weekday()), lang)
    else:
        label = format_day(day, lang)
    return Period(
        label=label,
        previous=link(day - step, span),
        next=link(day + step, span),
        today=link(today, span),
        day_link=link(day, "day"),
        week_link=link(day, "week"),
    )


def mechanic_choices(staff: list[StaffView]) -> list[tuple[str, str]]:
    """(id, name) of the active mechanics, by name."""
    mechanics = [s for s in staff if s.role == "mechanic" and s.active]
    return [(str(s.id), s.name) for s in sorted(mechanics, key=lambda s: (s.name, s.id))]


@dataclass(frozen=True)
class EventLine:
    when: str
    who: str
    text: str
    note: str
    kind: str


def event_line(
    event: JobEventView, names: dict[int, str], t: dict[str, str], lang: str, tz: str
) -> EventLine:
    """One line of the history: what happened, who did it, when; a note's text apart."""
    if event.kind == "opened":
        text = t["event_opened"]
    elif event.kind == "status":
        text = t["event_status"].format(
            before=status_of(event.from_status or "", t).label,
            after=status_of(event.to_status, t).label,
        )
    elif event.kind == "assigned":
        mechanic = names.get(event.mechanic_id or 0)
        text = t["event_assigned"].format(name=mechanic) if mechanic else t["event_unassigned"]
    elif event.kind == "expected":
        text = (
            t["event_expected"].format(when=format_slot(event.expected_at, tz, lang))
            if event.expected_at
            else t["event_expected_cleared"]
        )
    else:
        text = t["event_note"]
    return EventLine(
        when=format_slot(event.at, tz, lang),
        who=event.by_staff_name or t["job_someone"],
        text=text,
        note=event.note or "",
        kind=event.kind,
    )


@dataclass(frozen=True)
class EarlierJob:
    url: str
    when: str
    status: Status
    problem: str


def earlier_job(job: JobView, t: dict[str, str], lang: str, tz: str) -> EarlierJob:
    return EarlierJob(
        url=f"/staff/jobs/{job.id}",
        when=format_day(job.created_at.astimezone(ZoneInfo(tz)).date(), lang),
        status=status_of(job.status, t),
        problem=job.problem if len(job.problem) <= 200 else job.problem[:199] + "…",
    )


def local_input(moment: datetime | None, tz: str) -> str:
    """A moment as a datetime-local input's value ("2026-12-08T17:00"), '' for none."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M")


def parse_local_input(text: str, tz: str) -> datetime | None:
    """A datetime-local input's value as an aware moment; None when it is no such value."""
    try:
        local = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if local.tzinfo is not None:
        return None
    return local.replace(tzinfo=ZoneInfo(tz))
