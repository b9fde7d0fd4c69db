"""Vehicle identification in the chat: plate and VIN, the code, every outcome."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from rasa_sdk.events import SlotSet

from actions.identity import ActionAskOtpTransport, ValidateIdentificationForm
from core.uow import UnitOfWork
from tests.integration.actions_kit import (
    WEB_VISITOR,
    code_typed,
    context,
    form_tracker,
    run,
    said,
)

FORM = "identification_form"
CAMILLE_BIKE = {"vehicle_plate": "AB-123-CD", "vehicle_vin": "ZDM1RBBW5KB012345"}


class RecordingTransport:
    """Keeps what would be sent, so that the test can read the code."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str | None, str]] = []

    def send(self, destination: str, subject: str | None, body: str) -> None:
        self.sent.append((destination, subject, body))

    def last_code(self) -> str:
        return re.search(r"\b\d{6}\b", self.sent[-1][2]).group(0)


def validator(uow: Callable[[], UnitOfWork], now: datetime, outbox: RecordingTransport):
    transports = {"sms": outbox, "email": outbox}
    return ValidateIdentificationForm(context=context(uow, now), transports=transports)


async def test_plate_and_vin_in_one_message_in_any_order_match_a_vehicle(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    tracker = form_tracker(
        FORM,
        candidates={"vehicle_plate": "ZDM1RBBW5KB012345 ab 123 cd"},
        requested="vehicle_plate",
        metadata=WEB_VISITOR,
    )
    events, messages = await run(validator(seeded_uow_factory, now, RecordingTransport()), tracker)
    assert SlotSet("vehicle_plate", "AB-123-CD") in events
    assert SlotSet("vehicle_vin", "ZDM1RBBW5KB012345") in events
    assert SlotSet("identification_outcome", "match") in events
    assert SlotSet("requested_slot", None) not in events  # the form asks the transport
    assert messages == []


async def test_a_malformed_plate_is_asked_again_precisely(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    tracker = form_tracker(FORM, candidates={"vehicle_plate": "AB12"}, requested="vehicle_plate")
    events, messages = await run(validator(seeded_uow_factory, now, RecordingTransport()), tracker)
    assert SlotSet("vehicle_plate", None) in events
    assert messages == [said("utter_invalid_plate")]


async def test_a_vin_of_the_wrong_length_says_so(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    tracker = form_tracker(
        FORM,
        slots={"vehicle_plate": "AB-123-CD"},
        candidates={"vehicle_vin": "ZDM1RBBW5KB0123"},
        requested="vehicle_vin",
    )
    events, messages = await run(validator(seeded_uow_factory, now, RecordingTransport()), tracker)
    assert SlotSet("vehicle_vin", None) in events
    assert messages == [said("utter_invalid_vin_length")]


async def test_a_wrong_plate_recommends_calling_the_service(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    tracker = form_tracker(
        FORM, candidates={"vehicle_plate": "XY-999-ZZ ZDM1RBBW5KB012345"}, requested="vehicle_plate"
    )
    events, messages = await run(validator(seeded_uow_factory, now, RecordingTransport()), tracker)
    assert SlotSet("identification_outcome", "plate_wrong") in events
    assert events[-1] == SlotSet("requested_slot", None)
    assert messages == [said("utter_plate_wrong", service_phone="+33 9 77 40 00 00")]


async def test_an_unknown_vehicle_is_said(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    tracker = form_tracker(
        FORM, candidates={"vehicle_plate": "XY-999-ZZ VF1AB000000000001"}, requested="vehicle_plate"
    )
    events, messages = await run(validator(seeded_uow_factory, now, RecordingTransport()), tracker)
    assert SlotSet("identification_outcome", "unknown") in events
    assert messages == [said("utter_vehicle_unknown", service_phone="")]


async def test_the_contact_options_are_offered_masked(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    action = ActionAskOtpTransport(context=context(seeded_uow_factory, now))
    tracker = form_tracker(FORM, slots={**CAMILLE_BIKE, "identification_outcome": "match"})
    events, messages = await run(action, tracker)
    assert events == [SlotSet("requested_slot", "otp_transport")]
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == ['/choose{"otp_transport":"sms"}', '/choose{"otp_transport":"email"}']
    assert "12" in messages[0]["buttons"][0]["title"] and "••" in messages[0]["buttons"][0]["title"]


async def test_the_code_is_sent_then_checked_and_a_confirmation_follows(
    seeded_uow_factory: Callable[[], UnitOfWork], now: datetime
) -> None:
    outbox = RecordingTransport()
    form = validator(seeded_uow_factory, now, outbox)
    slots = {**CAMILLE_BIKE, "identification_outcome": "match"}
    tracker = form_tracker(
        FORM,
        slots=slots,
        candidates={"otp_transport": "sms"},
        requested="otp_transport",
        metadata=WEB_VISITOR,
    )
    events, messages = await run(form, tracker)
    assert events == [SlotSet("otp_transport", "sms")]  # the form asks the code
    assert [m["response"] for m in messages] == ["utter_code_sent"]
    code = outbox.last_code()

    wrong = "000000" if code != "000000" else "111111"
    tracker = form_tracker(
        FORM,
        slots={**slots, "otp_transport": "sms"},
        candidates={"otp_code": code_typed(seeded_uow_factory, wrong, now, WEB_VISITOR)},
        requested="otp_code",
        metadata=WEB_VISITOR,
    )
    events, messages = await run(form, tracker)
    assert SlotSet("otp_code", None) in events
    assert messages == [said("utter_wrong_code", attempts_left=4)]

    tracker = form_tracker(
        FORM,
        slots={**slots, "otp_transport": "sms"},
        candidates={"otp_code": code_typed(seeded_uow_factory, f"{code[:3]}-{code[3:]}", now)},
        requested="otp_code",
        metadata=WEB_VISITOR,
    )
    events, messages = await run(form, tracker)
    assert SlotSet("identification_outcome", "identified") in events
    assert SlotSet("otp_code", "••••••") in events
    assert events[-1] == SlotSet("requested_slot", None)
    assert [m["response"] for m in messages] == ["utter_identified"]
    assert len(outbox.sent) == 2 and code not in outbox.sent[-1][2]


def test_code_transport_titles_follow_the_language_s_punctuation() -> None:
    from actions.identity import transport_buttons
    from core.identity import ContactOption

    options = [ContactOption("sms", "06 •• •• •• 78"), ContactOption("email", "c•••@example.fr")]
    assert [b["title"] for b in transport_buttons(options, "fr")] == [
        "SMS : 06 •• •• •• 78",
        "E-mail : c•••@example.fr",
    ]
    assert [b["title"] for b in transport_buttons(options, "en")] == [
        "SMS: 06 •• •• •• 78",
        "E-mail: c•••@example.fr",
    ]
