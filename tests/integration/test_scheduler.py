"""The APScheduler side (webapp/scheduler.py) on SQLite and PostgreSQL: one persisted
`date` job per pending reminder, kept in step with the rows (moved, cancelled), found again
after a restart, run by the real scheduler once due, once across two replicas."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select, table
from sqlalchemy.pool import NullPool

from core import bookings
from core.notifications import create_notification, get_notification
from core.reminders import reminder_status
from tests.integration.test_reminder_sending import PHONE, outbox, reminder_deps
from tests.integration.test_reminders_store import AGENCY, SERVICE, book, due_at
from tests.integration.web_support import web_client
from webapp.scheduler import (
    JOBS_TABLE,
    LIMITS_PRUNE_JOB_ID,
    NOTIFICATIONS_JOB_ID,
    REMINDER_FUNC,
    SYNC_FUNC,
    SYNC_JOB_ID,
    SchedulerContext,
    build_scheduler,
    register_interval_job,
    run_due_notifications,
    scheduler_running,
    set_context,
    stop_scheduler,
    sync_once,
)
from webapp.settings import WebSettings


@pytest.fixture
def calendar(add_calendar) -> None:
    add_calendar(AGENCY, SERVICE, capacity=4)


@pytest.fixture
def monday_9(local_dt) -> datetime:
    return local_dt(2025, 11, 24, 9, 0)


@pytest.fixture(autouse=True)
def no_context_left() -> None:
    yield
    set_context(None)


def jobs_of(scheduler) -> dict[str, datetime]:
    return {job.id: job.next_run_time for job in scheduler.get_jobs()}


def stored_job_count(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(table(JOBS_TABLE)))
    finally:
        engine.dispose()


async def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def context(uow_factory, scheduler, clock: datetime) -> SchedulerContext:
    """The app's dependencies with its clock stopped at `clock` (the scheduler's is real)."""
    deps = reminder_deps(uow_factory)
    return SchedulerContext(replace(deps, hub=replace(deps.hub, clock=lambda: clock)), scheduler)


async def test_each_pending_reminder_gets_a_date_job_at_its_due_time_stored_in_the_database(
    migrated_url, uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    first = book(uow_factory, add_conversation, start=monday_9, now=now)
    second = book(uow_factory, add_conversation, start=monday_9 + timedelta(days=1), now=now)
    scheduler = build_scheduler(migrated_url)
    scheduler.start(paused=True)
    try:
        result = sync_once(context(uow_factory, scheduler, now), now)
        jobs = jobs_of(scheduler)
        [job] = [j for j in scheduler.get_jobs() if j.id == f"reminder:{first.reminder_id}"]
    finally:
        await stop_scheduler(scheduler)

    rows = [first.reminder_id, first.survey_id, second.reminder_id, second.survey_id]
    assert sorted(result.added) == sorted(rows)
    assert jobs == {f"reminder:{rid}": due_at(uow_factory, rid) for rid in rows}
    assert (job.func_ref, job.args) == (REMINDER_FUNC, (first.reminder_id,))
    assert stored_job_count(migrated_url) == 4


async def test_a_restarted_scheduler_finds_the_jobs_and_has_nothing_to_redo(
    migrated_url, uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    booked = book(uow_factory, add_conversation, start=monday_9, now=now)
    before = build_scheduler(migrated_url)
    before.start(paused=True)
    sync_once(context(uow_factory, before, now), now)
    kept = jobs_of(before)
    await stop_scheduler(before)

    after = build_scheduler(migrated_url)
    after.start(paused=True)
    try:
        found = jobs_of(after)
        again = sync_once(context(uow_factory, after, now), now)
    finally:
        await stop_scheduler(after)

    assert found == kept and f"reminder:{booked.reminder_id}" in found
    assert (again.added, again.moved, again.removed) == ([], [], [])


async def test_moving_or_cancelling_a_booking_moves_or_removes_its_jobs(
    migrated_url, uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    moved = book(uow_factory, add_conversation, start=monday_9, now=now)
    cancelled = book(uow_factory, add_conversation, start=monday_9, now=now)
    scheduler = build_scheduler(migrated_url)
    scheduler.start(paused=True)
    try:
        sync_once(context(uow_factory, scheduler, now), now)
        later = monday_9 + timedelta(days=2, hours=5)  # Wednesday 14:00
        bookings.move_booking(uow_factory(), moved.reference, later, now=now)
        bookings.cancel_booking(uow_factory(), cancelled.reference)
        result = sync_once(context(uow_factory, scheduler, now), now)
        jobs = jobs_of(scheduler)
    finally:
        await stop_scheduler(scheduler)

    assert sorted(result.moved) == sorted([moved.reminder_id, moved.survey_id])
    assert sorted(result.removed) == sorted(
        [f"reminder:{cancelled.reminder_id}", f"reminder:{cancelled.survey_id}"]
    )
    assert jobs == {
        f"reminder:{moved.reminder_id}": later - timedelta(hours=24),
        f"reminder:{moved.survey_id}": later + timedelta(hours=3),
    }


async def test_two_replicas_on_one_job_store_send_a_due_reminder_once(
    migrated_url, uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    booked = book(uow_factory, add_conversation, start=monday_9, now=now, phone=PHONE)
    clock = due_at(uow_factory, booked.reminder_id) + timedelta(minutes=1)
    replicas = [build_scheduler(migrated_url), build_scheduler(migrated_url)]
    set_context(context(uow_factory, replicas[0], clock))
    for scheduler in replicas:
        register_interval_job(scheduler, SYNC_FUNC, 60, SYNC_JOB_ID, run_now=True)
        scheduler.start()
    try:
        await eventually(lambda: reminder_status(uow_factory(), booked.reminder_id)[0] == "sent")
        for scheduler in replicas:
            scheduler.wakeup()  # both look at the store again
        await asyncio.sleep(0.5)
        remaining = jobs_of(replicas[1])
    finally:
        for scheduler in replicas:
            await stop_scheduler(scheduler)

    assert reminder_status(uow_factory(), booked.reminder_id)[:2] == ("sent", 1)
    assert [m["transport"] for m in outbox(uow_factory)] == ["sms"]
    assert f"reminder:{booked.reminder_id}" not in remaining
    # The scheduler's own clock is real (its run dates are in the past), the app's is not:
    # the survey's job woke it up too early for the app, which left the row pending.
    assert reminder_status(uow_factory(), booked.survey_id)[0] == "pending"
    assert SYNC_JOB_ID in remaining


async def test_a_reminder_due_while_the_app_was_down_is_sent_at_start(
    migrated_url, uow_factory, add_conversation, calendar, now, monday_9
) -> None:
    booked = book(uow_factory, add_conversation, start=monday_9, now=now, phone=PHONE)
    clock = monday_9 - timedelta(hours=2)  # 22 h after the due time, before the appointment
    settings = WebSettings(_env_file=None, database_url=migrated_url, scheduler=True)
    hub = context(uow_factory, None, clock).deps.hub

    async with scheduler_running(settings, hub) as scheduler:
        assert scheduler is not None and scheduler.running
        await eventually(lambda: reminder_status(uow_factory(), booked.reminder_id)[0] == "sent")

    assert not scheduler.running
    [sms] = outbox(uow_factory)
    assert sms["destination"] == PHONE and booked.reference in sms["body"]


async def test_the_scheduler_stays_off_when_the_setting_says_so(migrated_url) -> None:
    settings = WebSettings(_env_file=None, database_url=migrated_url, scheduler=False)

    async with scheduler_running(settings, hub=None) as scheduler:  # type: ignore[arg-type]
        assert scheduler is None


async def test_an_interval_job_is_registered_once_under_its_id(migrated_url) -> None:
    scheduler = build_scheduler(migrated_url)
    scheduler.start(paused=True)
    try:
        for _ in range(2):  # every replica registers it at start
            register_interval_job(scheduler, "webapp.scheduler:run_sync", 30, "rooms:dispatch")
        jobs = [job for job in scheduler.get_jobs() if job.id == "rooms:dispatch"]
    finally:
        await stop_scheduler(scheduler)

    [job] = jobs
    assert job.trigger.interval == timedelta(seconds=30)
    assert stored_job_count(migrated_url) == 1


def test_the_web_app_runs_the_scheduler_only_when_turned_on(sqlite_url) -> None:
    with web_client(sqlite_url, "http://127.0.0.1:9") as client:
        assert client.app.state.scheduler is None
    with web_client(sqlite_url, "http://127.0.0.1:9", scheduler=True) as client:
        scheduler = client.app.state.scheduler
        assert scheduler is not None and scheduler.running
        assert SYNC_JOB_ID in {job.id for job in scheduler.get_jobs()}
    assert not scheduler.running


async def test_a_notification_scheduled_for_later_is_sent_by_the_job_once_its_time_comes(
    migrated_url, uow_factory, now
) -> None:
    later = create_notification(
        uow_factory(),
        title="Portes ouvertes",
        body="Samedi",
        send_at=now + timedelta(hours=1),
        now=now,
    )
    scheduler = build_scheduler(migrated_url)
    scheduler.start(paused=True)
    try:
        set_context(context(uow_factory, scheduler, now))
        await run_due_notifications()
        before = get_notification(uow_factory(), later.id).status
        set_context(context(uow_factory, scheduler, now + timedelta(hours=1, minutes=1)))
        await run_due_notifications()
        after = get_notification(uow_factory(), later.id).status
    finally:
        await stop_scheduler(scheduler)

    assert (before, after) == ("scheduled", "sent")


def test_the_web_app_registers_the_notification_job(sqlite_url) -> None:
    with web_client(sqlite_url, "http://127.0.0.1:9", scheduler=True) as client:
        jobs = {job.id for job in client.app.state.scheduler.get_jobs()}
    assert NOTIFICATIONS_JOB_ID in jobs


def test_the_web_app_prunes_old_rate_windows_every_hour(sqlite_url) -> None:
    with web_client(sqlite_url, "http://127.0.0.1:9", scheduler=True) as client:
        jobs = {job.id: job for job in client.app.state.scheduler.get_jobs()}
    assert jobs[LIMITS_PRUNE_JOB_ID].trigger.interval.total_seconds() == 3600
