"""Feedback actions against a real database: complaints and survey answers in the chat."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy import select

from actions.base import ActionContext
from actions.feedback import (
    ActionAskSurveyComment,
    ActionComplaintStatus,
    ActionRecordRating,
    ValidateComplaintForm,
    ValidateSurveyCommentForm,
)
from core.bookings import book_slot, offer_slots
from core.customers import find_customer
from core.feedback import answer_complaint, get_survey, list_complaints, open_survey
from core.models import Booking, SurveyResponse
from core.uow import UnitOfWork
from tests.integration.actions_kit import (
    CAMILLE,
    WEB_VISITOR,
    context,
    form_tracker,
    message_tracker,
    responses,
    run,
)

COMPLAINT = "Ma moto est revenue avec une rayure sur le réservoir."


@pytest.fixture
def ctx(seeded_uow_factory: Callable[[], UnitOfWork], now: datetime) -> ActionContext:
    return context(seeded_uow_factory, now)


def camille_booking(ctx: ActionContext) -> str:
    """A confirmed maintenance booking of Camille (the known web customer demo-camille)."""
    camille = find_customer(ctx.uow(), "web", "demo-camille")
    assert camille is not None
    slot = offer_slots(ctx.uow(), "paris-nord", "maintenance", ctx.now()).slots[0]
    return book_slot(
        ctx.uow(),
        agency_code="paris-nord",
        service_code="maintenance",
        start_utc=slot.start_utc,
        customer_id=camille.id,
        channel="web",
        now=ctx.now(),
    ).reference


def sent_survey(ctx: ActionContext, reference: str) -> None:
    with ctx.uow() as uow:
        booking_id = uow.session.scalar(select(Booking.id).where(Booking.reference == reference))
    open_survey(ctx.uow(), booking_id, ctx.now())


def complaint_turn(text: str, metadata: dict = CAMILLE):
    return form_tracker(
        "complaint_form",
        candidates={"complaint_text": text},
        requested="complaint_text",
        text=text,
        metadata=metadata,
        sender_id=f"web:{metadata['external_id']}",
    )


def rate_tracker(reference: str, rating: str, metadata: dict = CAMILLE):
    payload = f'/rate{{"survey_booking": "{reference}", "rating": "{rating}"}}'
    return message_tracker(
        payload,
        intent="rate",
        metadata=metadata,
        slots={"survey_booking": reference, "rating": rating},
        sender_id=f"web:{metadata['external_id']}",
    )


async def test_a_complaint_is_filed_and_its_reference_told(ctx: ActionContext) -> None:
    events, messages = await run(ValidateComplaintForm(context=ctx), complaint_turn(COMPLAINT))

    [stored] = list_complaints(ctx.uow())
    assert SlotSet("complaint_text", COMPLAINT) in events
    assert responses(messages) == ["utter_complaint_filed"]
    assert messages[0]["complaint_reference"] == stored.reference
    assert stored.reference.startswith("RC-") and stored.status == "open"
    assert (stored.text, stored.customer_name) == (COMPLAINT, "Camille Martin")


async def test_a_complaint_too_short_is_asked_again_and_not_stored(ctx: ActionContext) -> None:
    events, messages = await run(ValidateComplaintForm(context=ctx), complaint_turn("nul"))

    assert SlotSet("complaint_text", None) in events
    assert responses(messages) == ["utter_complaint_too_short"]
    assert list_complaints(ctx.uow()) == []


async def test_a_complaint_naming_an_own_booking_is_linked_to_it(ctx: ActionContext) -> None:
    reference = camille_booking(ctx)

    await run(ValidateComplaintForm(context=ctx), complaint_turn(f"{COMPLAINT} ({reference})"))

    [stored] = list_complaints(ctx.uow())
    assert (stored.booking_reference, stored.agency_code) == (reference, "paris-nord")


async def test_a_complaint_naming_someone_elses_booking_is_kept_unlinked(
    ctx: ActionContext,
) -> None:
    reference = camille_booking(ctx)

    await run(
        ValidateComplaintForm(context=ctx),
        complaint_turn(f"{COMPLAINT} ({reference})", metadata=WEB_VISITOR),
    )

    [stored] = list_complaints(ctx.uow())
    assert (stored.booking_reference, stored.customer_id) == (None, None)


async def test_the_status_shows_the_staff_answer_once_answered(
    ctx: ActionContext, add_staff: Callable[..., int]
) -> None:
    await run(ValidateComplaintForm(context=ctx), complaint_turn(COMPLAINT))
    [filed] = list_complaints(ctx.uow())
    status = ActionComplaintStatus(context=ctx)
    asked = message_tracker("où en est ma réclamation", intent="complaint_status", metadata=CAMILLE)

    _, before = await run(status, asked)
    answer_complaint(
        ctx.uow(),
        filed.reference,
        staff_id=add_staff("Nina"),
        answer="Nous reprenons la peinture.",
        close=False,
        now=ctx.now() + timedelta(hours=1),
    )
    _, after = await run(status, asked)

    assert responses(before) == ["utter_complaint_open", "utter_menu"]
    assert responses(after) == ["utter_complaint_answered", "utter_menu"]
    assert after[0]["complaint_reference"] == filed.reference
    assert after[0]["answer"] == "Nous reprenons la peinture."


async def test_the_status_of_someone_elses_complaint_is_not_shown(ctx: ActionContext) -> None:
    await run(ValidateComplaintForm(context=ctx), complaint_turn(COMPLAINT))
    [filed] = list_complaints(ctx.uow())
    asked = message_tracker(
        f"où en est la réclamation {filed.reference}",
        intent="complaint_status",
        metadata=WEB_VISITOR,
    )

    _, messages = await run(ActionComplaintStatus(context=ctx), asked)

    assert responses(messages) == ["utter_no_complaints", "utter_menu"]


async def test_a_rating_is_stored_and_thanked(ctx: ActionContext) -> None:
    reference = camille_booking(ctx)
    sent_survey(ctx, reference)

    events, messages = await run(ActionRecordRating(context=ctx), rate_tracker(reference, "4"))

    assert SlotSet("survey_rated", True) in events
    assert responses(messages) == ["utter_rating_thanks"] and messages[0]["rating"] == 4
    assert get_survey(ctx.uow(), reference).rating == 4


@pytest.mark.parametrize("rating", ["0", "6", "9", "cinq"])
async def test_a_rating_out_of_range_is_refused_and_nothing_stored(
    ctx: ActionContext, rating: str
) -> None:
    reference = camille_booking(ctx)
    sent_survey(ctx, reference)

    events, messages = await run(ActionRecordRating(context=ctx), rate_tracker(reference, rating))

    assert SlotSet("survey_rated", False) in events
    assert responses(messages) == ["utter_invalid_rating"]
    assert get_survey(ctx.uow(), reference).rating is None


async def test_a_rating_of_someone_elses_survey_is_refused(ctx: ActionContext) -> None:
    reference = camille_booking(ctx)
    sent_survey(ctx, reference)
    other = {"channel": "web", "external_id": "demo-lea", "language": None}

    events, messages = await run(
        ActionRecordRating(context=ctx), rate_tracker(reference, "1", metadata=other)
    )

    assert SlotSet("survey_rated", False) in events
    assert responses(messages) == ["utter_unknown_survey"]
    assert get_survey(ctx.uow(), reference).rating is None


def comment_turn(reference: str, text: str, intent: str = "inform"):
    return form_tracker(
        "survey_comment_form",
        slots={"survey_booking": reference, "rating": "4", "survey_rated": True},
        candidates={"survey_comment": text},
        requested="survey_comment",
        text=text,
        intent=intent,
        metadata=CAMILLE,
        sender_id="web:demo-camille",
    )


async def test_a_survey_comment_is_stored_then_its_publication_asked(ctx: ActionContext) -> None:
    reference = camille_booking(ctx)
    sent_survey(ctx, reference)

    events, messages = await run(
        ValidateSurveyCommentForm(context=ctx), comment_turn(reference, "Accueil très sympa")
    )

    assert SlotSet("survey_comment", "Accueil très sympa") in events
    assert not any(event.get("name") == "survey_publish" for event in events)
    assert responses(messages) == []  # the form asks utter_ask_survey_publish next
    assert get_survey(ctx.uow(), reference).comment == "Accueil très sympa"


def publish_turn(reference: str, text: str, intent: str):
    return form_tracker(
        "survey_comment_form",
        slots={
            "survey_booking": reference,
            "rating": "4",
            "survey_rated": True,
            "survey_comment": "Accueil très sympa",
        },
        candidates={"survey_publish": text},
        requested="survey_publish",
        text=text,
        intent=intent,
        metadata=CAMILLE,
        sender_id="web:demo-camille",
    )


def consent_of(ctx: ActionContext, reference: str) -> tuple[bool, str | None]:
    with ctx.uow() as uow:
        survey = uow.session.scalar(
            select(SurveyResponse).join(Booking).where(Booking.reference == reference)
        )
        return survey.publish_consent, survey.review_status


async def test_yes_to_publication_queues_the_comment_for_moderation(ctx: ActionContext) -> None:
    reference = camille_booking(ctx)
    sent_survey(ctx, reference)
    validator = ValidateSurveyCommentForm(context=ctx)
    await run(validator, comment_turn(reference, "Accueil très sympa"))

    events, messages = await run(validator, publish_turn(reference, "oui", "affirm"))

    assert SlotSet("survey_publish", "yes") in events
    assert responses(messages) == ["utter_survey_publish_yes"]
    assert consent_of(ctx, reference) == (True, "pending")


async def test_no_to_publication_keeps_the_comment_private(ctx: ActionContext) -> None:
    reference = camille_booking(ctx)
    sent_survey(ctx, reference)
    validator = ValidateSurveyCommentForm(context=ctx)
    await run(validator, comment_turn(reference, "Accueil très sympa"))

    events, messages = await run(validator, publish_turn(reference, "non", "deny"))
    again, asked = await run(validator, publish_turn(reference, "peut-être", "inform"))

    assert SlotSet("survey_publish", "no") in events
    assert responses(messages) == ["utter_survey_thanks"]
    assert consent_of(ctx, reference) == (False, None)
    assert SlotSet("survey_publish", None) in again and responses(asked) == []


async def test_no_thanks_skips_the_comment_and_yes_asks_for_its_text(ctx: ActionContext) -> None:
    reference = camille_booking(ctx)
    sent_survey(ctx, reference)
    validator = ValidateSurveyCommentForm(context=ctx)

    skipped, thanks = await run(validator, comment_turn(reference, "non merci", intent="deny"))
    wanted, _ = await run(validator, comment_turn(reference, "oui", intent="affirm"))
    _, asked = await run(
        ActionAskSurveyComment(context=ctx),
        message_tracker("oui", intent="affirm", metadata=CAMILLE),
    )

    assert SlotSet("survey_publish", "-") in skipped
    assert SlotSet("survey_comment", "-") in skipped and responses(thanks) == [
        "utter_survey_thanks"
    ]
    assert SlotSet("survey_comment", None) in wanted
    assert responses(asked) == ["utter_ask_survey_comment_text"]
    assert get_survey(ctx.uow(), reference).comment is None


async def test_an_unknown_visitor_cannot_rate_a_customers_survey(ctx: ActionContext) -> None:
    reference = camille_booking(ctx)
    sent_survey(ctx, reference)

    events, messages = await run(
        ActionRecordRating(context=ctx), rate_tracker(reference, "5", metadata=WEB_VISITOR)
    )

    assert SlotSet("survey_rated", False) in events
    assert responses(messages) == ["utter_unknown_survey"]
    assert get_survey(ctx.uow(), reference).rating is None
