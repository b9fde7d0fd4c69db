"""The web app's scheduler: APScheduler 3 `AsyncIOScheduler` with its jobs in the core
database (SQLAlchemyJobStore, table `apscheduler_jobs`), so they survive restarts.

Jobs only wake the app up; the `reminders` rows are the truth. One `date` job per pending
row (id `reminder:<id>`, at its due time) claims and sends it (hub/reminders.py); the
sync job (`reminders:sync`, every `PITLANE_SCHEDULER_SYNC_SECONDS`, and once at start)
adds the missing jobs, moves those whose row moved and removes those whose row is no longer
pending. Only the leader replica starts it (webapp/leader.py); should two run at once for
a moment (a leader handing over), the conditional claim in core/reminders.py decides who
sends. Jobs run however late they are
(misfire_grace_time None, coalesced): whether a late reminder is still worth sending
(booking not started) is the claim's business.

Job functions are referenced by text ("webapp.scheduler:run_reminder") so the store can
persist them; they find the app's dependencies in this module's registry (`current_context`),
set when the scheduler starts. Other features add periodic work with `register_interval_job`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import anyio.to_thread
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import BaseScheduler

from core.booking_documents import DocumentLinks
from core.customer_limits import prune_windows
from core.db import PoolSizes, make_engine
from core.reminders import pending_reminders
from hub.deps import HubDeps
from hub.job_notices import dispatch_job_notices
from hub.maintenance_reminders import send_due_maintenance_reminders
from hub.offers import dispatch_due
from hub.reminders import ReminderDeps, send_due_reminder
from hub.tracker_erasure import erase_owed_trackers
from transports import transports_from_settings

log = logging.getLogger(__name__)

JOBS_TABLE = "apscheduler_jobs"
REMINDER_PREFIX = "reminder:"
SYNC_JOB_ID = "reminders:sync"
REMINDER_FUNC = "webapp.scheduler:run_reminder"
SYNC_FUNC = "webapp.scheduler:run_sync"
# Scheduled commercial notifications (docs/rooms.md): every replica looks, one claims each.
NOTIFICATIONS_JOB_ID = "notifications:due"
NOTIFICATIONS_FUNC = "webapp.scheduler:run_due_notifications"
NOTIFICATIONS_SECONDS = 15
# Rasa trackers of erased customers (core/tracker_erasure.py): retried until Rasa erased them.
TRACKER_ERASURE_JOB_ID = "trackers:erase"
TRACKER_ERASURE_FUNC = "webapp.scheduler:run_tracker_erasures"
# Customers' rate windows (core/customer_limits.py): a window over an hour old only restarts.
LIMITS_PRUNE_JOB_ID = "limits:prune"
LIMITS_PRUNE_FUNC = "webapp.scheduler:run_limits_pruning"
LIMITS_PRUNE_SECONDS = 3600
# Customers told of their repair jobs' changes (hub/job_notices.py): each notice claimed once.
JOB_NOTICES_JOB_ID = "job_notices:due"
JOB_NOTICES_FUNC = "webapp.scheduler:run_job_notices"
JOB_NOTICES_SECONDS = 5
# Maintenance reminders from the vehicles' history (issue 16): each subscription claimed once.
MAINTENANCE_JOB_ID = "maintenance:due"
MAINTENANCE_FUNC = "webapp.scheduler:run_maintenance_reminders"
MAINTENANCE_SECONDS = 3600
# The job store's own engine: a few statements at a time (docs/scaling.md counts it).
JOB_STORE_POOL = PoolSizes(size=1, max_overflow=2)
JOB_DEFAULTS = {"coalesce": True, "misfire_grace_time": None, "max_instances": 1}


class SharedJobStore(SQLAlchemyJobStore):
    """A job table several replicas use at once: removing or updating a job another replica
    has just removed (it ran the same due job) is not an error."""

    def remove_job(self, job_id: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(self.jobs_t.delete().where(self.jobs_t.c.id == job_id))

    def update_job(self, job: Any) -> None:
        try:
            super().update_job(job)
        except JobLookupError:
            log.debug("job %s was removed meanwhile", job.id)


@dataclass(frozen=True)
class SchedulerContext:
    """What job functions need: the sending dependencies and the scheduler itself."""

    deps: ReminderDeps
    scheduler: BaseScheduler


@dataclass
class _Registry:
    context: SchedulerContext | None = None


_registry = _Registry()


def set_context(context: SchedulerContext | None) -> None:
    """Set (None: clear) the dependencies the job functions of this process use."""
    _registry.context = context


def current_context() -> SchedulerContext:
    """The running scheduler's context (for job functions); RuntimeError when none."""
    if _registry.context is None:
        raise RuntimeError("no scheduler context: the scheduler is not started")
    return _registry.context


def build_scheduler(database_url: str) -> AsyncIOScheduler:
    """A scheduler on the core database's job table (created when missing); not started."""
    engine = make_engine(database_url, JOB_STORE_POOL)
    store = SharedJobStore(engine=engine, tablename=JOBS_TABLE)
    return AsyncIOScheduler(
        jobstores={"default": store}, job_defaults=dict(JOB_DEFAULTS), timezone=timezone.utc
    )


def register_interval_job(
    scheduler: BaseScheduler,
    func_ref: str,
    seconds: float,
    job_id: str,
    *,
    run_now: bool = False,
) -> None:
    """Run `func_ref` ("package.module:function", a coroutine or plain function without
    arguments) every `seconds`, persisted under `job_id` (replaced when it exists: every
    replica may register it). The function gets the app's dependencies from
    `current_context()`."""
    extra: dict[str, Any] = {"next_run_time": datetime.now(timezone.utc)} if run_now else {}
    scheduler.add_job(
        func_ref, "interval", seconds=seconds, id=job_id, replace_existing=True, **extra
    )


@dataclass(frozen=True)
class SyncResult:
    added: list[int] = field(default_factory=list)
    moved: list[int] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def sync_reminder_jobs(
    scheduler: BaseScheduler, wanted: Iterable[tuple[int, datetime]]
) -> SyncResult:
    """Make the `reminder:<id>` jobs match `wanted` (reminder id, due time): add the
    missing ones, move those at another time, remove those no longer wanted."""
    result = SyncResult()
    jobs = {j.id: j for j in scheduler.get_jobs() if j.id.startswith(REMINDER_PREFIX)}
    target = {f"{REMINDER_PREFIX}{rid}": (rid, due) for rid, due in wanted}
    for job_id, (rid, due) in target.items():
        job = jobs.get(job_id)
        if job is None:
            scheduler.add_job(
                REMINDER_FUNC,
                "date",
                run_date=due,
                args=[rid],
                id=job_id,
                name=job_id,
                replace_existing=True,
            )
            result.added.append(rid)
        elif job.next_run_time is None or job.next_run_time != due:
            try:
                scheduler.reschedule_job(job_id, trigger="date", run_date=due)
            except JobLookupError:  # ran meanwhile (here or on another replica)
                continue
            result.moved.append(rid)
    for job_id in jobs.keys() - target.keys():
        try:
            scheduler.remove_job(job_id)
        except JobLookupError:
            continue
        result.removed.append(job_id)
    return result


def sync_once(context: SchedulerContext, now: datetime) -> SyncResult:
    """Read the pending rows and sync the jobs with them (blocking: run in a thread)."""
    wanted = pending_reminders(context.deps.hub.uow_factory(), now)
    result = sync_reminder_jobs(context.scheduler, wanted)
    if result.added or result.moved or result.removed:
        log.info(
            "reminder jobs: %d added, %d moved, %d removed",
            len(result.added),
            len(result.moved),
            len(result.removed),
        )
    return result


async def run_sync() -> None:
    """Job: sync the reminder jobs with the rows."""
    context = current_context()
    now = context.deps.hub.now()
    await anyio.to_thread.run_sync(sync_once, context, now)


async def run_reminder(reminder_id: int) -> None:
    """Job: claim and send one reminder (nothing happens when another replica did)."""
    deps = current_context().deps
    await send_due_reminder(deps, reminder_id, deps.hub.now())


async def run_due_notifications() -> None:
    """Job: send the commercial notifications whose time has come (claimed once)."""
    hub = current_context().deps.hub
    await dispatch_due(hub, hub.now())


async def run_tracker_erasures() -> None:
    """Job: ask Rasa to erase the trackers erased customers still owe."""
    await erase_owed_trackers(current_context().deps.hub)


async def run_limits_pruning() -> None:
    """Job: delete the customers' rate windows that ended over an hour ago."""
    hub = current_context().deps.hub
    await hub.core(prune_windows, hub.now(), timedelta(seconds=LIMITS_PRUNE_SECONDS))


async def run_job_notices() -> None:
    """Job: tell customers of their repair jobs' changes not told yet (claimed once)."""
    await dispatch_job_notices(current_context().deps)


async def run_maintenance_reminders() -> None:
    """Job: send the maintenance reminders that are due (claimed once each)."""
    deps = current_context().deps
    await send_due_maintenance_reminders(deps, deps.hub.now())


def start_scheduler(
    settings: Any, hub: HubDeps, transports: dict[str, Any] | None = None
) -> AsyncIOScheduler:
    """Build, register and start the scheduler (in the running event loop); the sync job
    runs at once, then every `settings.scheduler_sync_seconds`."""
    scheduler = build_scheduler(settings.database_url)
    if transports is None:
        transports = transports_from_settings(settings, hub.uow_factory)
    deps = ReminderDeps(
        hub=hub,
        transports=transports,
        timezone=settings.timezone,
        links=DocumentLinks.from_settings(settings),
    )
    set_context(SchedulerContext(deps, scheduler))
    register_interval_job(
        scheduler, SYNC_FUNC, settings.scheduler_sync_seconds, SYNC_JOB_ID, run_now=True
    )
    register_interval_job(
        scheduler, NOTIFICATIONS_FUNC, NOTIFICATIONS_SECONDS, NOTIFICATIONS_JOB_ID, run_now=True
    )
    register_interval_job(
        scheduler,
        TRACKER_ERASURE_FUNC,
        settings.tracker_erasure_seconds,
        TRACKER_ERASURE_JOB_ID,
        run_now=True,
    )
    register_interval_job(scheduler, LIMITS_PRUNE_FUNC, LIMITS_PRUNE_SECONDS, LIMITS_PRUNE_JOB_ID)
    register_interval_job(
        scheduler, JOB_NOTICES_FUNC, JOB_NOTICES_SECONDS, JOB_NOTICES_JOB_ID, run_now=True
    )
    register_interval_job(scheduler, MAINTENANCE_FUNC, MAINTENANCE_SECONDS, MAINTENANCE_JOB_ID)
    scheduler.start()
    return scheduler


async def stop_scheduler(scheduler: AsyncIOScheduler) -> None:
    """Stop it (running jobs are cancelled: their claims go stale and are taken again) and
    close its job store's engine; the shutdown itself happens on the event loop."""
    if scheduler.running:
        scheduler.shutdown(wait=False)
        for _ in range(100):
            if not scheduler.running:
                break
            await asyncio.sleep(0.01)
    if _registry.context is not None and _registry.context.scheduler is scheduler:
        set_context(None)


@asynccontextmanager
async def scheduler_running(settings: Any, hub: HubDeps) -> AsyncIterator[AsyncIOScheduler | None]:
    """The scheduler for the app's lifespan; None when PITLANE_SCHEDULER is off or it could
    not start (logged: the app still answers chats)."""
    if not settings.scheduler:
        log.info("scheduler off (PITLANE_SCHEDULER=off): no reminders sent by this process")
        yield None
        return
    try:
        scheduler = start_scheduler(settings, hub)
    except Exception:
        log.exception("scheduler NOT started: reminders will not be sent by this process")
        yield None
        return
    try:
        yield scheduler
    finally:
        await stop_scheduler(scheduler)
