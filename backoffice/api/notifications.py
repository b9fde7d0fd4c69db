"""`/api/admin/notifications`: admins compose commercial notifications, preview them, send
them now or at a set time, cancel a scheduled one, and read the history with how many
customers received each. Every route requires role admin."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from backoffice.api.deps import CoreDep
from backoffice.auth import CurrentAdmin
from core import notifications
from core.notifications import NotificationView
from hub.offers import send_in_background

router = APIRouter(prefix="/api/admin/notifications", tags=["notifications"])


class NotificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=notifications.TITLE_MAX)
    body: str = Field(min_length=1, max_length=notifications.BODY_MAX)
    link: str | None = Field(None, max_length=notifications.LINK_MAX)
    audience: Literal["all", "opted_in", "language"] = "all"
    language: Literal["fr", "en"] | None = None
    send_at: AwareDatetime | None = Field(None, description="omitted: sent now")


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from core's NotificationView

    id: int
    title: str
    body: str
    link: str | None
    audience: str
    language: str | None
    status: str
    send_at: datetime
    sent_at: datetime | None
    created_at: datetime
    received: int


class PreviewOut(BaseModel):
    title: str
    body: str
    link: str | None
    audience: str
    language: str | None
    reach: dict[str, int] = Field(description="customers in the audience today, per channel")


def notification_out(view: NotificationView) -> NotificationOut:
    return NotificationOut.model_validate(view)


@router.get("", response_model=list[NotificationOut])
async def list_notifications(admin: CurrentAdmin, core: CoreDep) -> list[NotificationOut]:
    """The history, latest first, with how many customers received each."""
    return [notification_out(v) for v in await core.run(notifications.list_notifications)]


@router.post("/preview", response_model=PreviewOut)
async def preview_notification(
    body: NotificationIn, admin: CurrentAdmin, core: CoreDep
) -> PreviewOut:
    """What customers will see, and how many of them per channel; nothing is stored."""
    fields = notifications.validate(
        title=body.title,
        body=body.body,
        link=body.link,
        audience=body.audience,
        language=body.language,
    )
    reach = await core.run(notifications.audience_size, body.audience, fields["language"])
    return PreviewOut(**fields, reach=reach)  # type: ignore[arg-type]


@router.post("", response_model=NotificationOut, status_code=201)
async def create_notification(
    body: NotificationIn, request: Request, admin: CurrentAdmin, core: CoreDep
) -> NotificationOut:
    """Send now (no `send_at`: fanned out in the background) or schedule for `send_at`."""
    view = await core.run(
        notifications.create_notification,
        title=body.title,
        body=body.body,
        link=body.link,
        audience=body.audience,
        language=body.language,
        send_at=body.send_at,
        created_by=admin.id,
        now=core.now(),
    )
    if view.status == "sending":
        send_in_background(request.app, view)
    return notification_out(view)


@router.post("/{notification_id}/cancel", response_model=NotificationOut)
async def cancel_notification(
    notification_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    admin: CurrentAdmin,
    core: CoreDep,
) -> NotificationOut:
    """Cancel a scheduled notification (409 once it is being sent)."""
    return notification_out(await core.run(notifications.cancel_notification, notification_id))
