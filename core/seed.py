"""Load the demo dataset (data/demo.yaml) into an empty database."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.answers_admin import EntryInput, add_entry
from core.bookings import get_calendar, reserve_place
from core.calendars import (
    WEEKDAYS,
    Slot,
    effective_capacity,
    find_slot,
    local_day,
    local_week_start,
    parse_opening_hours,
    week_slots,
)
from core.canned_replies import CannedReplyInput, add_reply
from core.catalogue_admin import ModelInput, add_model
from core.customers import clean_name, parse_contact, parse_plate, parse_vin
from core.errors import InvalidValue, ShortcutTaken
from core.models import (
    Agency,
    Calendar,
    CalendarClosure,
    ChannelIdentity,
    Customer,
    JobEvent,
    Quote,
    RepairJob,
    Service,
    Setting,
    StaffUser,
    Vehicle,
)
from core.money_demo import load_money_demo
from core.seed_history import add_vehicle_history
from core.seed_planning import add_history, tie_staff_agencies
from core.settings_store import read_setting, write_setting
from core.staff import ROLES, check_password_strength, clean_email, hash_password
from core.uow import UnitOfWork

DEMO_DATA = Path(__file__).resolve().parent.parent / "data" / "demo.yaml"
DEMO_CHANNEL = "demo"
ANSWERS_LOADED = "answers.demo_loaded"  # setting: the dataset's knowledge base was loaded
CANNED_LOADED = "canned_replies.demo_loaded"  # setting: the dataset's canned replies were loaded
CANNED_FIELDS = ("shortcut", "language", "title", "text")  # of each canned reply in the dataset


def load_demo_data(uow: UnitOfWork, path: Path = DEMO_DATA, now: datetime | None = None) -> bool:
    """Load the dataset when the database has no agency; bookings are placed relative to the
    local week of `now`. Returns False (and changes nothing) when data is already there."""
    now = now or datetime.now(timezone.utc)
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    with uow:
        if _has_agencies(uow.session):
            return False
        try:
            _load(uow.session, data, now, uow.timezone)
            uow.commit()
        except IntegrityError:
            uow.rollback()
            if _has_agencies(uow.session):  # loaded meanwhile by another process
                return False
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidValue("invalid_demo_data", f"{path}: {exc!r}") from exc
    # issue 16: the demo's estimates and invoices, through the service functions (once the
    # rest is loaded: they number invoices from the counters)
    load_money_demo(uow, data.get("money_demo") or [], now)
    with uow:  # last, after every step that adds demo jobs and moves them
        _demo_jobs_told(uow.session)
        uow.commit()
    return True


def _has_agencies(session: Session) -> bool:
    return session.scalar(select(Agency.id).limit(1)) is not None


def _load(session: Session, data: dict[str, Any], now: datetime, tz: str) -> None:
    company = data["company"]
    session.add(Setting(key="contact_email", value=company["contact_email"]))
    session.add(Setting(key="contact_phone", value=company["contact_phone"]))
    for key, value in (data.get("settings") or {}).items():
        write_setting(session, key, value)  # a mapping or a list is stored as JSON
    for service in data["services"]:
        session.add(Service(**service))
    for agency_data in data["agencies"]:
        _add_agency(session, agency_data)
    for entry in data.get("test_ride_models", []):
        add_model(session, _ride_model(entry))
    _add_answers(session, data.get("answers", []))
    _add_canned_replies(session, data.get("canned_replies", []))  # issue 17
    today = local_day(now, tz)
    for entry in data.get("closures", []):
        _add_closure(session, entry, today)
    customers = {entry["key"]: _add_customer(session, entry, today) for entry in data["customers"]}
    session.flush()
    for entry in data.get("quotes", []):
        _add_quote(session, entry, now)
    in_turn = itertools.cycle(customers.values())
    for entry in data.get("bookings", []):
        _add_bookings(session, entry, now, tz, customers, in_turn)
    _add_missing_staff(session, data.get("staff", []))
    _add_demo_jobs(session, data.get("jobs", []), now)
    _add_missing_staff(session, data.get("planning_staff", []))  # issue 16: planning
    tie_staff_agencies(session, data)
    add_history(session, data, now, tz)
    add_vehicle_history(session, data.get("vehicle_history", []), now, tz)  # issue 16


def _demo_jobs_told(session: Session) -> None:
    """The demo jobs' history is history: their customers are not told of it at start
    (hub/job_notices.py would otherwise push every seeded opening and status change)."""
    session.flush()
    session.execute(
        update(JobEvent)
        .where(JobEvent.notice == "pending")
        .values(notice="skipped")
        .execution_options(synchronize_session=False)
    )


def ensure_demo_staff(uow: UnitOfWork, path: Path = DEMO_DATA) -> int:
    """Add the dataset's staff users that are missing (by e-mail); returns how many were added.

    For databases seeded before staff existed: load_demo_data runs only on an empty database.
    """
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    with uow:
        try:
            added = _add_missing_staff(uow.session, data.get("staff", []))
            added += _add_missing_staff(uow.session, data.get("planning_staff", []))
            tie_staff_agencies(uow.session, data)
            uow.commit()
        except IntegrityError:  # added meanwhile by another process
            uow.rollback()
            return 0
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidValue("invalid_demo_data", f"{path}: {exc!r}") from exc
    return added


def _add_missing_staff(session: Session, entries: list[dict[str, Any]]) -> int:
    added = 0
    for entry in entries:
        email = clean_email(entry["email"])
        if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
            continue
        if entry["role"] not in ROLES:
            raise ValueError(f"unknown staff role {entry['role']!r}")
        check_password_strength(entry["password"])
        session.add(
            StaffUser(
                email=email,
                name=entry["name"],
                role=entry["role"],
                password_hash=_demo_hash(entry["password"]),
                max_conversations=int(entry.get("max_conversations", 3)),
                available=False,
            )
        )
        added += 1
    session.flush()
    return added


@functools.lru_cache(maxsize=8)
def _demo_hash(password: str) -> str:
    # argon2 is slow on purpose; the demo passwords are public, so one hash per process is
    # reused (tests seed many databases). Real users get their own salt (core.staff).
    return hash_password(password)


def _add_agency(session: Session, data: dict[str, Any]) -> None:
    fields = {key: value for key, value in data.items() if key != "services"}
    agency = Agency(**fields)
    session.add(agency)
    session.flush()
    for service_code, settings in data["services"].items():
        parse_opening_hours(settings["opening_hours"])  # refuse malformed hours now
        session.add(
            Calendar(
                agency_id=agency.id,
                service_code=service_code,
                slot_minutes=int(settings["slot_minutes"]),
                capacity=int(settings["capacity"]),
                staff_count=int(settings.get("staff_count", settings["capacity"])),
                opening_hours=settings["opening_hours"],
            )
        )


def _ride_model(entry: dict[str, Any]) -> ModelInput:
    """A test-ride catalogue entry; `agencies` lists agency codes."""
    return ModelInput(
        brand=str(entry["brand"]),
        model=str(entry["model"]),
        usage=entry["usage"],
        licence=str(entry["licence"]),
        engine_cc=entry.get("engine_cc"),
        electric=bool(entry.get("electric", False)),
        active=bool(entry.get("active", True)),
        description_fr=entry.get("description_fr"),
        description_en=entry.get("description_en"),
        agencies=tuple(entry.get("agencies", ())),
    )


def _answer_entry(entry: dict[str, Any]) -> EntryInput:
    """A knowledge base entry; `keywords` is a list, `agency` an agency code (default: the
    group's answer)."""
    return EntryInput(
        topic=str(entry["topic"]),
        keywords=tuple(str(keyword) for keyword in entry["keywords"]),
        answer_fr=entry.get("answer_fr"),
        answer_en=entry.get("answer_en"),
        agency=entry.get("agency"),
        active=bool(entry.get("active", True)),
    )


def _add_answers(session: Session, entries: list[dict[str, Any]]) -> int:
    """The dataset's knowledge base, once: the setting `answers.demo_loaded` remembers it, so
    entries an admin deleted do not come back at the next start."""
    if read_setting(session, ANSWERS_LOADED) is not None:
        return 0
    for entry in entries:
        add_entry(session, _answer_entry(entry))
    write_setting(session, ANSWERS_LOADED, "1")
    return len(entries)


def ensure_demo_answers(uow: UnitOfWork, path: Path = DEMO_DATA) -> int:
    """Load the dataset's knowledge base into a database seeded before it existed (when the
    database has agencies and the entries were never loaded); returns how many were added."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    with uow:
        if not _has_agencies(uow.session):
            return 0
        try:
            added = _add_answers(uow.session, data.get("answers", []))
            uow.commit()
        except IntegrityError:  # loaded meanwhile by another process
            uow.rollback()
            return 0
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidValue("invalid_demo_data", f"{path}: {exc!r}") from exc
    return added


def _add_canned_replies(session: Session, entries: list[dict[str, Any]]) -> int:
    """The dataset's canned replies, once (the setting `canned_replies.demo_loaded`
    remembers it: replies an admin deleted do not come back at the next start)."""
    if read_setting(session, CANNED_LOADED) is not None:
        return 0
    for entry in entries:
        add_reply(session, CannedReplyInput(**{k: str(entry[k]) for k in CANNED_FIELDS}))
    write_setting(session, CANNED_LOADED, "1")
    return len(entries)


def ensure_demo_canned_replies(uow: UnitOfWork, path: Path = DEMO_DATA) -> int:
    """Load the dataset's canned replies into a database seeded before they existed (it has
    agencies, the replies were never loaded); returns how many were added."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    with uow:
        if not _has_agencies(uow.session):
            return 0
        try:
            added = _add_canned_replies(uow.session, data.get("canned_replies", []))
            uow.commit()
        except (IntegrityError, ShortcutTaken):  # loaded meanwhile by another process
            uow.rollback()
            return 0
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidValue("invalid_demo_data", f"{path}: {exc!r}") from exc
    return added


def _seed_date(value: Any, today: date) -> date:
    """A date of the dataset: a YAML date (2019-04-12), or relative to the local day of
    loading: {days_after_load: n} or {days_before_load: n}."""
    if isinstance(value, date):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((key, days),) = value.items()
        sign = {"days_after_load": 1, "days_before_load": -1}[key]
        return today + timedelta(days=sign * int(days))
    return date.fromisoformat(str(value))


def _add_closure(session: Session, entry: dict[str, Any], today: date) -> None:
    calendar = get_calendar(session, entry["agency"], entry["service"])
    day = _seed_date(entry["date"], today)
    session.add(CalendarClosure(calendar_id=calendar.id, day=day, reason=entry.get("reason")))


def _add_quote(session: Session, entry: dict[str, Any], now: datetime) -> None:
    plate = parse_plate(entry["plate"])
    vehicle_id = session.scalar(select(Vehicle.id).where(Vehicle.plate == plate))
    agency_id = session.scalar(select(Agency.id).where(Agency.code == entry["agency"]))
    if vehicle_id is None or agency_id is None:
        raise ValueError(f"quote {entry['number']}: unknown plate or agency")
    session.add(
        Quote(
            number="".join(str(entry["number"]).upper().split()),
            vehicle_id=vehicle_id,
            agency_id=agency_id,
            description=entry["description"],
            amount_cents=entry.get("amount_cents"),
            status=entry.get("status", "open"),
            created_at=now,
        )
    )


def _add_customer(session: Session, data: dict[str, Any], today: date) -> Customer:
    customer = Customer(
        name=clean_name(data["name"]),
        email=parse_contact(data["email"])[1] if data.get("email") else None,
        phone=parse_contact(data["phone"])[1] if data.get("phone") else None,
        language=data.get("language") or "fr",
    )
    session.add(customer)
    session.flush()
    for identity in data.get("identities", []):
        session.add(ChannelIdentity(customer_id=customer.id, **identity))
    for vehicle in data.get("vehicles", []):
        registered = vehicle.get("first_registration")
        if registered is not None:
            registered = _seed_date(registered, today)
        session.add(
            Vehicle(
                customer_id=customer.id,
                plate=parse_plate(vehicle["plate"]),
                vin=parse_vin(vehicle["vin"]),
                brand=vehicle["brand"],
                model=str(vehicle["model"]),
                year=vehicle.get("year") or (registered.year if registered else None),
                first_registration=registered,
            )
        )
    return customer


def _add_bookings(
    session: Session,
    entry: dict[str, Any],
    now: datetime,
    tz: str,
    customers: dict[str, Customer],
    in_turn: Iterator[Customer],
) -> None:
    calendar = get_calendar(session, entry["agency"], entry["service"])
    full = effective_capacity(calendar.capacity, calendar.staff_count)
    places = min(int(entry.get("places", full)), full)
    for slot in _slots_of(entry, calendar, now, tz):
        for _ in range(places):
            customer = customers[entry["customer"]] if "customer" in entry else next(in_turn)
            reserve_place(session, calendar, slot, customer_id=customer.id, channel=DEMO_CHANNEL)


def _slots_of(entry: dict[str, Any], calendar: Calendar, now: datetime, tz: str) -> list[Slot]:
    hours = parse_opening_hours(calendar.opening_hours)
    if "day" in entry:
        weeks_ahead = 1 if entry.get("week") == "next" else 0
        day = local_week_start(now, tz, weeks_ahead) + timedelta(WEEKDAYS.index(entry["day"]))
        local = datetime.combine(day, time.fromisoformat(entry["time"]), tzinfo=ZoneInfo(tz))
        slot = find_slot(hours, calendar.slot_minutes, local.astimezone(timezone.utc), tz)
        if slot is None:
            raise ValueError(f"{entry['day']} {entry['time']} is not a slot of {entry}")
        return [slot]
    upcoming = [s for s in week_slots(hours, calendar.slot_minutes, now, tz) if s.start_utc > now]
    if entry.get("rest_of_week"):
        return upcoming
    return upcoming[: int(entry["next_slots"])]


# ---- repair jobs (issue 16): data/demo.yaml `jobs`


def _add_demo_jobs(session: Session, entries: list[dict[str, Any]], now: datetime) -> None:
    """The dataset's repair jobs, each with its history (opening, assignment, every status,
    notes) spread between its opening and `now`; made as core/jobs.py would, one version per
    change."""
    staff = {user.email: user.id for user in session.scalars(select(StaffUser))}
    opener = staff.get("conseiller@pitlane.example")
    manager = staff.get("chef-atelier@pitlane.example")
    for entry in entries:
        _add_demo_job(session, entry, now, staff, opener, manager)
    session.flush()


def _add_demo_job(
    session: Session,
    entry: dict[str, Any],
    now: datetime,
    staff: dict[str, int],
    opener: int | None,
    manager: int | None,
) -> None:
    vehicle = session.scalar(select(Vehicle).where(Vehicle.plate == parse_plate(entry["plate"])))
    agency_id = session.scalar(select(Agency.id).where(Agency.code == entry["agency"]))
    if vehicle is None or agency_id is None:
        raise ValueError(f"job {entry['key']}: unknown plate or agency")
    mechanic = staff[entry["mechanic"]] if entry.get("mechanic") else None
    path = [str(status) for status in entry.get("path", [])]
    notes = [str(note) for note in entry.get("notes", [])]
    opened = now - timedelta(days=float(entry["opened_days_ago"]))
    steps = 1 + len(path) + len(notes) + (mechanic is not None)
    gap = (now - opened) / (steps + 1)
    moments = iter(opened + gap * n for n in range(steps))
    expected = entry.get("expected_in_hours")
    job = RepairJob(
        agency_id=agency_id,
        vehicle_id=vehicle.id,
        customer_id=vehicle.customer_id,
        problem=str(entry["problem"]),
        mechanic_id=mechanic,
        status=path[-1] if path else "received",
        expected_completion=now + timedelta(hours=float(expected)) if expected else None,
        created_at=opened,
        version=1 + len(path) + (mechanic is not None),
    )
    session.add(job)
    session.flush()
    events = [JobEvent(kind="opened", to_status="received", by_staff_id=opener)]
    if mechanic is not None:
        events.append(
            JobEvent(
                kind="assigned",
                from_status="received",
                to_status="received",
                by_staff_id=manager,
                mechanic_id=mechanic,
            )
        )
    before = "received"
    for status in path:
        events.append(
            JobEvent(kind="status", from_status=before, to_status=status, by_staff_id=mechanic)
        )
        before = status
    for note in notes:
        events.append(
            JobEvent(
                kind="note", from_status=before, to_status=before, by_staff_id=mechanic, note=note
            )
        )
    for event in events:
        event.job_id = job.id
        event.at = next(moments)
        session.add(event)
    job.updated_at = events[-1].at
