"""The manager's dashboard (issue 16, item 7): an agency's (or the group's) figures over the
last weeks: bookings and repair jobs per week, the average time from check-in to pickup,
estimates approved and declined, no-shows, and satisfaction per agency.

Weeks are local Monday-Sunday weeks (PITLANE_TIMEZONE); rows are read within the window and
counted per week here, the same way on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from core.calendars import local_day, local_week_start, week_bounds
from core.errors import InvalidValue, NotFound
from core.models import Agency, Booking, Calendar, JobEvent, RepairJob, SurveyResponse
from core.uow import UnitOfWork

MAX_WEEKS = 52


@dataclass(frozen=True)
class WeekFigures:
    week: date  # its local Monday
    bookings: int  # bookings starting that week, cancelled ones left out
    jobs: int  # repair jobs opened that week
    no_shows: int  # bookings of that week whose customer did not come


@dataclass(frozen=True)
class Satisfaction:
    agency: str
    agency_name: str
    average: float | None  # None: no rating yet
    count: int


@dataclass(frozen=True)
class Dashboard:
    agency: str | None  # None: every agency
    weeks: tuple[WeekFigures, ...]  # oldest first, the current week last
    turnaround_hours: float | None  # average check-in -> returned, jobs returned in the window
    returned: int  # how many jobs that average is made of
    approved: int  # estimates approved in the window
    declined: int
    no_shows: int
    satisfaction: tuple[Satisfaction, ...]


def dashboard(
    uow: UnitOfWork, agency_code: str | None, now: datetime, weeks: int = 12
) -> Dashboard:
    """The figures of the `weeks` local weeks ending with the current one. NotFound
    (`unknown_agency`), InvalidValue (`invalid_weeks`) outside 1..52."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise InvalidValue("invalid_weeks", f"weeks must be 1..{MAX_WEEKS}")
    with uow:
        session = uow.session
        tz = uow.timezone
        agency_id = None
        if agency_code is not None:
            agency_id = session.scalar(select(Agency.id).where(Agency.code == agency_code))
            if agency_id is None:
                raise NotFound("unknown_agency", f"no agency {agency_code!r}")
        start, _ = week_bounds(now, tz, -(weeks - 1))
        _, end = week_bounds(now, tz)
        mondays = [local_week_start(now, tz, -n) for n in range(weeks - 1, -1, -1)]

        def week_of(moment: datetime) -> date:
            day = local_day(moment, tz)
            return day - timedelta(days=day.weekday())

        booking_rows = session.execute(
            _of_agency(
                select(Booking.start_utc, Booking.status).join(
                    Calendar, Calendar.id == Booking.calendar_id
                ),
                Calendar.agency_id,
                agency_id,
            ).where(
                Booking.start_utc >= start,
                Booking.start_utc < end,
                Booking.status != "cancelled",
            )
        ).all()
        booked = Counter(week_of(at) for at, _ in booking_rows)
        missed = Counter(week_of(at) for at, status in booking_rows if status == "no_show")
        opened = Counter(
            week_of(at)
            for at in session.scalars(
                _of_agency(select(RepairJob.created_at), RepairJob.agency_id, agency_id).where(
                    RepairJob.created_at >= start, RepairJob.created_at < end
                )
            )
        )
        figures = tuple(
            WeekFigures(monday, booked[monday], opened[monday], missed[monday])
            for monday in mondays
        )
        hours, returned = _turnaround(session, agency_id, start, end)
        decisions = Counter(
            session.scalars(
                _of_agency(
                    select(JobEvent.to_status).join(RepairJob, RepairJob.id == JobEvent.job_id),
                    RepairJob.agency_id,
                    agency_id,
                ).where(
                    JobEvent.kind == "status",
                    JobEvent.to_status.in_(("approved", "declined")),
                    JobEvent.at >= start,
                    JobEvent.at < end,
                )
            )
        )
        return Dashboard(
            agency=agency_code,
            weeks=figures,
            turnaround_hours=hours,
            returned=returned,
            approved=decisions["approved"],
            declined=decisions["declined"],
            no_shows=sum(missed.values()),
            satisfaction=_satisfaction(session, agency_id),
        )


def _of_agency(query: Select, column: InstrumentedAttribute[int], agency_id: int | None) -> Select:
    return query if agency_id is None else query.where(column == agency_id)


def _turnaround(
    session: Session, agency_id: int | None, start: datetime, end: datetime
) -> tuple[float | None, int]:
    """Average hours from a job's opening to its return, over the jobs returned in
    [start, end) (their events: `opened`, then the status change to `returned`)."""
    opened = aliased(JobEvent)
    back = aliased(JobEvent)
    rows = session.execute(
        _of_agency(
            select(opened.at, back.at)
            .join(RepairJob, RepairJob.id == opened.job_id)
            .join(
                back,
                and_(
                    back.job_id == opened.job_id,
                    back.kind == "status",
                    back.to_status == "returned",
                ),
            ),
            RepairJob.agency_id,
            agency_id,
        ).where(opened.kind == "opened", back.at >= start, back.at < end)
    ).all()
    if not rows:
        return None, 0
    seconds = sum((returned - checked_in).total_seconds() for checked_in, returned in rows)
    return seconds / len(rows) / 3600, len(rows)


def _satisfaction(session: Session, agency_id: int | None) -> tuple[Satisfaction, ...]:
    """Every agency's (or one agency's) survey ratings: average and count, all time."""
    query = (
        select(
            Agency.code,
            Agency.name,
            func.avg(SurveyResponse.rating),
            func.count(SurveyResponse.rating),
        )
        .select_from(Agency)
        .outerjoin(Calendar, Calendar.agency_id == Agency.id)
        .outerjoin(Booking, Booking.calendar_id == Calendar.id)
        .outerjoin(
            SurveyResponse,
            and_(SurveyResponse.booking_id == Booking.id, SurveyResponse.rating.is_not(None)),
        )
        .group_by(Agency.code, Agency.name)
        .order_by(Agency.name)
    )
    if agency_id is not None:
        query = query.where(Agency.id == agency_id)
    return tuple(
        Satisfaction(code, name, float(avg) if count else None, count)
        for code, name, avg, count in session.execute(query)
    )
