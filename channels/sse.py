"""Commercial notifications for the web widget, over Server-Sent Events.

EventSource sends no header, and the widget's token never goes in a URL (access logs print
URLs): the widget first asks `POST /api/widget/notifications/stream-ticket` with
`Authorization: Bearer <token>` for a ticket (single use, valid `widget_ticket_seconds`, 60),
then opens `GET /api/widget/notifications/stream?ticket=T[&last_event_id=N]`, a
`text/event-stream`: first what the customer missed since `Last-Event-ID` (the header
EventSource sends when it reconnects, or the `last_event_id` query parameter a reopened page
passes), then every new notification of their audience, live, as

    id: <notification id>
    event: notification
    data: {"id", "title", "body", "link", "sent_at"}

with a comment line (`: ping`) every `sse_heartbeat_seconds` (15) so proxies keep the stream
open; no buffering (`X-Accel-Buffering: no`). A spent, expired or unknown ticket gets 401 (a
reconnecting widget asks for a new ticket); an opted-out customer gets `204 No Content`,
which tells EventSource to stop. Receipts are written in small batches, off the stream.

`GET|POST /api/widget/notifications/subscription` read and set the widget's switch (Bearer
token; the POST is form-encoded: `subscribed`; its Origin is checked too: the app's own or one
of PITLANE_WIDGET_ORIGINS). The GET writes nothing: a visitor never seen gets the default
answer; the POST is rate-limited per visitor and per IP.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from channels.http import CORS, check_origin, client_ip, form_fields, http_error, over_limit_error
from channels.widget_auth import WidgetCustomer, auth_text, bearer, request_language
from core import notifications
from core import widget_credentials as credentials
from core.notifications import AudienceProfile
from hub.deps import HubDeps
from hub.limits import CustomerOverLimit, count_customer_action
from hub.ports import SubscriptionLost
from hub.texts import normalise_language
from hub.topics import NOTIFICATIONS_TOPIC, notification_event
from hub.work import off_loop

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/widget/notifications", tags=["notifications"])

DEFAULT_HEARTBEAT_SECONDS = 15.0
RETRY_MS = 5000


def sse_frame(event: dict[str, Any]) -> str:
    shown = {k: event[k] for k in ("id", "title", "body", "link", "sent_at")}
    return f"id: {event['id']}\nevent: notification\ndata: {json.dumps(shown)}\n\n"


@router.post("/stream-ticket")
async def post_stream_ticket(request: Request) -> JSONResponse:
    """A single-use ticket opening the notification stream once (Bearer token), valid a minute."""
    hub: HubDeps = request.app.state.hub
    token = bearer(request)
    seconds = request.app.state.settings.widget_ticket_seconds
    ticket = await off_loop(
        lambda: credentials.issue_ticket(hub.uow_factory(), token, hub.now(), seconds)
    )
    if ticket is None:
        code = "token_required" if token is None else "invalid_token"
        headers = {**CORS, "WWW-Authenticate": "Bearer"}
        raise http_error(401, code, auth_text(code, request_language(request)), headers)
    return JSONResponse({"ticket": ticket, "expires_in": seconds}, headers=CORS)


@router.get("/stream")
async def notification_stream(
    request: Request,
    ticket: str = Query(max_length=100),
    last_event_id: int | None = Query(None, ge=0, le=2**31 - 1),
) -> Response:
    """The customer's notifications, live, after what they missed since Last-Event-ID."""
    hub: HubDeps = request.app.state.hub
    visitor = await off_loop(
        lambda: credentials.consume_ticket(hub.uow_factory(), ticket, hub.now())
    )
    if visitor is None:
        message = auth_text("invalid_ticket", request_language(request))
        raise http_error(401, "invalid_ticket", message, CORS)
    header = request.headers.get("last-event-id", "").strip()
    cursor = int(header) if header.isdigit() and len(header) < 11 else last_event_id
    profile: AudienceProfile = await off_loop(
        lambda: notifications.customer_profile(hub.uow_factory(), "web", visitor)
    )
    if profile.opted_out:
        return Response(status_code=204, headers=CORS)
    # the app state may carry a shorter heartbeat (tests, the benchmark)
    heartbeat = float(
        getattr(request.app.state, "sse_heartbeat_seconds", DEFAULT_HEARTBEAT_SECONDS)
    )
    recorder = receipt_recorder(request.app.state)
    headers = {
        "Cache-Control": "no-cache, no-transform",
        "X-Accel-Buffering": "no",
        **CORS,
    }
    return StreamingResponse(
        _events(hub, profile, cursor, heartbeat, recorder),
        media_type="text/event-stream",
        headers=headers,
    )


async def _events(
    hub: HubDeps,
    profile: AudienceProfile,
    cursor: int | None,
    heartbeat: float,
    recorder: ReceiptRecorder,
) -> AsyncIterator[str]:
    # Subscribe before reading what was missed: nothing falls between the two.
    async with hub.bus.subscribe(NOTIFICATIONS_TOPIC) as live:
        yield f"retry: {RETRY_MS}\n: connected\n\n"
        missed = await off_loop(
            lambda: notifications.missed_notifications(hub.uow_factory(), profile, cursor)
        )
        shown: set[int] = set()
        for view in missed:
            shown.add(view.id)
            yield sse_frame(notification_event(view))
            recorder.add(view.id, profile.conversation_id)
        while True:
            try:
                event = await asyncio.wait_for(live.get(), heartbeat)
            except asyncio.TimeoutError:
                yield ": ping\n\n"
                continue
            except SubscriptionLost:  # the widget opens a new stream from its Last-Event-ID
                return
            if event.get("id") in shown or not _is_for(profile, event):
                continue
            shown.add(event["id"])
            yield sse_frame(event)
            recorder.add(event["id"], profile.conversation_id)


def _is_for(profile: AudienceProfile, event: dict[str, Any]) -> bool:
    return notifications.reaches(profile, event.get("audience"), event.get("language"))


@router.get("/subscription")
async def get_subscription(request: Request, visitor: WidgetCustomer) -> Response:
    """Whether the customer receives notifications (`subscribed`: explicitly opted in)."""
    hub: HubDeps = request.app.state.hub
    profile = await off_loop(lambda: notifications.find_profile(hub.uow_factory(), "web", visitor))
    if profile is None:  # a visitor never seen: the default, and nothing written
        return JSONResponse({"subscribed": False, "opted_out": False}, headers=CORS)
    return _subscription(profile)


@router.post("/subscription")
async def set_subscription(request: Request, visitor: WidgetCustomer) -> Response:
    """The widget's switch, form-encoded: `subscribed` ("1" yes, "0" opt out), optional
    `lang`. Only from the app's or a widget site's origin; rate-limited."""
    fields = await form_fields(request)
    language = normalise_language(fields.get("lang") or request.query_params.get("lang"))
    check_origin(request, language)
    if fields.get("subscribed") not in ("0", "1"):
        raise http_error(422, "invalid_request", "subscribed is 0 or 1")
    wanted = fields["subscribed"] == "1"
    hub: HubDeps = request.app.state.hub
    try:
        await count_customer_action(hub, "subscription", "web", visitor, client_ip(request))
    except CustomerOverLimit as over:
        raise over_limit_error(over, language) from None
    profile = await off_loop(
        lambda: notifications.set_subscription(hub.uow_factory(), "web", visitor, wanted, hub.now())
    )
    return _subscription(profile)


def _subscription(profile: AudienceProfile) -> JSONResponse:
    body = {"subscribed": profile.subscribed, "opted_out": profile.opted_out}
    return JSONResponse(body, headers=CORS)


class ReceiptRecorder:
    """Writes "received" rows in batches: a notification reaching 1,000 open widgets makes
    a few INSERTs, not 1,000 transactions on the stream's path."""

    def __init__(self, hub: HubDeps, delay: float = 0.2) -> None:
        self.hub = hub
        self.delay = delay
        self._pending: list[tuple[int, int, str]] = []
        self._task: asyncio.Task[None] | None = None

    def add(self, notification_id: int, conversation_id: int, channel: str = "web") -> None:
        self._pending.append((notification_id, conversation_id, channel))
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(self.delay)
        await self.flush()

    async def flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:500], self._pending[500:]
            try:
                await off_loop(
                    lambda b=batch: notifications.record_receipts(
                        self.hub.uow_factory(), b, self.hub.now()
                    )
                )
            except Exception:  # receipts are statistics: log, never break the stream
                log.exception("could not record %d notification receipts", len(batch))


def receipt_recorder(state: Any) -> ReceiptRecorder:
    """The app's recorder, made on first use."""
    recorder = getattr(state, "notification_receipts", None)
    if recorder is None:
        recorder = ReceiptRecorder(state.hub)
        state.notification_receipts = recorder
    return recorder
