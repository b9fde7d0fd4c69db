"""Telling the customer right after a staff change of their repair job (hub/job_notices.py).

A route that changed a job (opened, moved: core/jobs.py) takes `JobNotices` and calls
`notices.after_commit(job_id)` once its unit of work has committed: the job's pending
notices are sent in the background, after the response. The scheduler's pass on the leader
sends whatever this misses (another replica's change, a crash); the conditional claim in
core/job_notices.py keeps every notice to one message.

    @router.post("/api/jobs/{job_id}/move")
    async def move_job(job_id: int, ..., notices: JobNotices) -> JobOut:
        view = await off_loop(jobs.move, ...)
        notices.after_commit(view.id)
        return ...
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, Request

from hub.job_notices import dispatch_job_notices
from hub.reminders import ReminderDeps


def notice_deps(app: Any) -> ReminderDeps:
    """The app's sending dependencies (its hub, the SMS and e-mail transports and document
    links the web app's wiring built: webapp/main.py, the time zone), built once per app."""
    deps = getattr(app.state, "job_notice_deps", None)
    if deps is None:
        deps = ReminderDeps(
            hub=app.state.hub,
            transports=app.state.transports,
            timezone=app.state.settings.timezone,
            links=getattr(app.state, "document_links", None),
        )
        app.state.job_notice_deps = deps
    return deps


async def tell_job_change(app: Any, job_id: int) -> int:
    """Send the job's notices not told yet; how many reached the customer."""
    return await dispatch_job_notices(notice_deps(app), job_id)


@dataclass(frozen=True)
class JobNoticeTrigger:
    app: Any
    background: BackgroundTasks

    def after_commit(self, job_id: int) -> None:
        """Tell the job's customer once the response is sent (call after the commit)."""
        self.background.add_task(tell_job_change, self.app, job_id)


def job_notice_trigger(request: Request, background: BackgroundTasks) -> JobNoticeTrigger:
    return JobNoticeTrigger(request.app, background)


JobNotices = Annotated[JobNoticeTrigger, Depends(job_notice_trigger)]
