"""The action server's GET /metrics (actions/serve.py): Prometheus's bearer token only, and
the bookings and understanding fallbacks its actions count (ops/metrics.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from pydantic import SecretStr
from sanic import Sanic

from actions.base import ActionContext
from actions.booking import ValidateBookingForm
from actions.my_bookings import ActionAskMoveSlot, ActionCancelMyBooking, ValidateMoveBookingForm
from actions.serve import TOKEN_HEADER, secured_app
from actions.understanding import ActionClarify
from core.uow import UnitOfWork
from tests.integration.actions_kit import WEB_VISITOR, context, message_tracker, run
from tests.integration.metrics_support import (
    METRICS_AUTH,
    METRICS_TOKEN,
    asgi_client,
    value,
)
from tests.integration.test_actions_booking import FULL_AT_PARIS, THURSDAY_9, confirm_turn
from tests.integration.test_actions_my_bookings import book_for, chosen_tracker, move_turn

pytestmark = pytest.mark.filterwarnings("ignore:You have set a listener:UserWarning")
ACTION_TOKEN = "action-token-0123456789abcdef"
UowFactory = Callable[[], UnitOfWork]


@pytest.fixture
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """rasa-sdk names every app "rasa_sdk": Sanic refuses a second one outside test mode, and
    the apps built here register in a registry of their own, dropped after the test (else a
    later test of the process building one outside test mode is refused)."""
    monkeypatch.setattr(Sanic, "test_mode", True)
    monkeypatch.setattr(Sanic, "_app_registry", {})
    yield


@pytest.fixture
def ctx(seeded_uow_factory: UowFactory, now: datetime) -> ActionContext:
    return context(seeded_uow_factory, now)


async def scrape(token: str | None = METRICS_TOKEN, headers: dict | None = None):  # noqa: ANN201
    app = secured_app(ACTION_TOKEN, metrics_token=SecretStr(token) if token else None)
    async with asgi_client(app) as client:
        return await client.get(
            "/metrics", headers=headers if headers is not None else METRICS_AUTH
        )


@pytest.mark.parametrize(
    ("headers", "status", "error"),
    [
        ({}, 401, "missing_metrics_token"),
        ({"Authorization": "Bearer wrong-token-0123456789"}, 403, "wrong_metrics_token"),
        ({TOKEN_HEADER: ACTION_TOKEN}, 401, "missing_metrics_token"),  # not Rasa's secret
        ({"Authorization": f"Basic {METRICS_TOKEN}"}, 401, "missing_metrics_token"),
    ],
)
async def test_the_metrics_need_prometheus_bearer_token(
    sanic_test_mode, headers, status, error
) -> None:
    response = await scrape(headers=headers)
    assert (response.status_code, response.json()) == (status, {"error": error})


async def test_without_a_metrics_token_the_metrics_are_not_served(sanic_test_mode) -> None:
    response = await scrape(token=None)
    assert response.status_code == 404


async def test_the_metrics_token_opens_no_other_route(sanic_test_mode) -> None:
    app = secured_app(ACTION_TOKEN, metrics_token=SecretStr(METRICS_TOKEN))
    async with asgi_client(app) as client:
        response = await client.get("/actions", headers=METRICS_AUTH)
    assert response.status_code == 401


async def test_a_booking_and_a_slot_taken_show_in_the_metrics(
    sanic_test_mode, ctx: ActionContext
) -> None:
    before = (await scrape()).text
    await run(ValidateBookingForm(context=ctx), confirm_turn(THURSDAY_9))
    await run(ValidateBookingForm(context=ctx), confirm_turn(FULL_AT_PARIS))
    response = await scrape()

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    name = "pitlane_bookings_total"
    for outcome in ("booked", "slot_taken"):
        moved = value(response.text, name, service="maintenance", outcome=outcome) - value(
            before, name, service="maintenance", outcome=outcome
        )
        assert moved == 1, outcome


async def test_fallbacks_are_counted_by_the_guessed_intent_of_the_domain(
    sanic_test_mode, ctx: ActionContext
) -> None:
    def unsure(ranking: list[tuple[str, float]]):  # noqa: ANN202
        tracker = message_tracker("euh", intent="nlu_fallback", metadata=WEB_VISITOR)
        tracker.latest_message["intent_ranking"] = [
            {"name": "nlu_fallback", "confidence": 0.5},
            *({"name": name, "confidence": c} for name, c in ranking),
        ]
        return tracker

    name = "pitlane_understanding_fallbacks_total"
    cases = [
        ([("diagnostic", 0.4), ("check_maintenance", 0.3)], "diagnostic", "clarified"),
        ([("inform", 0.4), ("affirm", 0.3)], "inform", "not_understood"),
        ([("made_up_intent", 0.9)], "other", "not_understood"),  # not in the domain
    ]
    before = (await scrape()).text
    for ranking, _, _ in cases:
        await run(ActionClarify(context=ctx), unsure(ranking))
    after = (await scrape()).text

    for _, intent, kind in cases:
        moved = value(after, name, intent=intent, kind=kind) - value(
            before, name, intent=intent, kind=kind
        )
        assert moved == 1, (intent, kind)
    assert "made_up_intent" not in after


async def test_a_moved_and_a_cancelled_booking_show_in_the_metrics(
    sanic_test_mode, ctx: ActionContext
) -> None:
    moving, cancelling = book_for(ctx, "demo-camille", 0), book_for(ctx, "demo-camille", 1)
    before = (await scrape()).text
    _, offered = await run(ActionAskMoveSlot(context=ctx), chosen_tracker(moving))
    payload = offered[0]["buttons"][0]["payload"]
    start = datetime.fromisoformat(payload[payload.index(":") + 2 : payload.rindex('"')])
    await run(ValidateMoveBookingForm(context=ctx), move_turn(moving, start))
    confirmed = chosen_tracker(cancelling, cancel_confirmed=True)
    await run(ActionCancelMyBooking(context=ctx), confirmed)
    after = (await scrape()).text

    name = "pitlane_bookings_total"
    for outcome in ("moved", "cancelled"):
        labels = {"service": "maintenance", "outcome": outcome}
        assert value(after, name, **labels) - value(before, name, **labels) == 1, outcome
