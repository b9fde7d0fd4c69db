"""What every action shares: its context (database, time zone, clock), the channel identity
of the conversation, and the base validator of the forms.

Actions get their `ActionContext` through their constructor. The action server builds them
without arguments, so the context is then read from `CoreSettings` (PITLANE_DATABASE_URL,
PITLANE_TIMEZONE, the document links' secret and public base URL) on first use: nothing is
connected at import time. Tests pass their own
context (`ValidateBookingForm(context=ActionContext(...))`): no global to patch.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from core.booking_documents import DocumentLinks
from core.config import CoreSettings
from core.errors import InvalidValue
from core.models import utcnow
from core.otp_limits import DEFAULT_LIMITS, Limits
from core.uow import UnitOfWork, uow_from_settings

# The one place where a core InvalidValue code becomes a bot response.
INVALID_RESPONSES = {
    "not_a_year": "utter_invalid_year",
    "year_implausible": "utter_invalid_year",
    "not_a_date": "utter_invalid_date",
    "date_future": "utter_future_date",
    "not_a_mileage": "utter_invalid_mileage",
    "mileage_negative": "utter_invalid_mileage",
    "mileage_implausible": "utter_invalid_mileage",
    "mileage_in_code": "utter_mileage_in_code",
    "not_a_name": "utter_invalid_name",
    "invalid_name": "utter_invalid_name",
    "invalid_contact": "utter_invalid_contact",
}
# The action after which a form resumes with the answers it already had (actions/digressions.py).
RESUME_ACTION = "action_resume_form"
# The responses that refuse a value ("utter_invalid_year", "utter_invalid_plate"...).
INVALID_VALUE = re.compile(r"^utter_invalid_[a-z_]+$")
STUCK_RESPONSE = "utter_stuck"
PLAIN_REFUSALS = frozenset({"utter_default", "utter_use_buttons", "utter_place_unknown"})
DEFAULT_LANGUAGE = "fr"
LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class ActionContext:
    """What actions need from outside: units of work, the customers' time zone, a clock."""

    uow: Callable[[], UnitOfWork]
    timezone: str = "Europe/Paris"
    clock: Callable[[], datetime] = field(default=utcnow)
    otp_limits: Limits = DEFAULT_LIMITS  # one-time codes across conversations
    # The customers' document links (a booking's invite and PDF); None: the bot gives none.
    links: DocumentLinks | None = None
    # The sender of the e-mails, organizer of the e-mailed calendar invites.
    mail_from: str = "Pitlane <no-reply@pitlane.example>"

    @classmethod
    def from_settings(cls, settings: CoreSettings | None = None) -> ActionContext:
        """From the environment; the engine is only created by the first unit of work."""
        settings = settings or CoreSettings()
        return cls(
            uow=uow_from_settings(settings),
            timezone=settings.timezone,
            otp_limits=settings.otp_limits(),
            links=DocumentLinks.from_settings(settings),
            mail_from=settings.smtp_from,
        )

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        return self.clock().astimezone(timezone.utc)

    def today(self) -> date:
        """Today's date where the customers live."""
        return self.clock().astimezone(ZoneInfo(self.timezone)).date()


class WithContext:
    """Constructor injection of the context, read lazily from the settings by default."""

    def __init__(self, context: ActionContext | None = None) -> None:
        self._context = context

    @property
    def context(self) -> ActionContext:
        if self._context is None:
            self._context = ActionContext.from_settings()
        return self._context


@dataclass(frozen=True)
class ChannelIdentity:
    """Who is talking: the channel and id from the Rasa sender id, the language as a hint."""

    channel: str
    external_id: str
    language: str | None


def sender_identity(sender_id: str) -> tuple[str, str]:
    """(channel, external id) from a Rasa sender id "<channel>:<external id>", which only the
    hub sets (core/conversations.py); a sender id without a channel is a "rest" one."""
    channel, colon, external_id = sender_id.partition(":")
    if not colon or not channel or not external_id:
        return "rest", sender_id
    return channel, external_id


def channel_identity(tracker: Tracker) -> ChannelIdentity:
    """The customer from the tracker's sender id, never from the message metadata (anyone who
    reaches Rasa could write any metadata): metadata only hints at the language."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    language = metadata.get("language")
    channel, external_id = sender_identity(str(tracker.sender_id))
    return ChannelIdentity(
        channel=channel,
        external_id=external_id,
        language=language if language in LANGUAGES else None,
    )


def language_of(tracker: Tracker) -> str:
    """The conversation's language slot, French by default."""
    language = tracker.get_slot("language")
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def resumed(tracker: Tracker) -> bool:
    """Whether the form runs right after action_resume_form (Rasa sends the validator the
    form's own action last, so the one before it counts)."""
    actions = [e.get("name") for e in tracker.events if e.get("event") == "action"]
    return len(actions) >= 2 and actions[-2] == RESUME_ACTION


def shows_example(count: int) -> bool:
    """From the second unusable answer in a row, every other time: the example and the ways
    on instead of the refusal (never the same sentence three times in a row)."""
    return count >= 2 and count % 2 == 0


def refusals(tracker: Tracker) -> int:
    """Answers in a row the current question could not use."""
    value = tracker.get_slot("unusable_count")
    return int(value) if isinstance(value, (int, float)) else 0


def refused(messages: list[dict[str, Any]]) -> bool:
    """Whether a validator's messages say the answer could not be used (an invalid value, an
    unknown place, buttons expected), rather than a follow-up (more slots, a slot taken)."""
    said = {str(message.get("response") or "") for message in messages}
    refusals = PLAIN_REFUSALS | set(INVALID_RESPONSES.values())
    return any(INVALID_VALUE.match(r) or r in refusals for r in said)


def _set_to(events: list[EventType], slot: str, value: Any) -> bool:
    """Whether `events` set `slot` to `value` (the last such event counts)."""
    found = [e for e in events if e.get("event") == "slot" and e.get("name") == slot]
    return bool(found) and found[-1].get("value") == value


def as_text(value: Any) -> str:
    """A slot candidate as text (entities may give numbers or lists)."""
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return "" if value is None else str(value)


class PitlaneAction(WithContext, Action, ABC):
    """Base of the plain actions (abstract, so the action server does not register it)."""

    @abstractmethod
    def name(self) -> str: ...


class PitlaneFormValidator(WithContext, FormValidationAction, ABC):
    """Base of the form validators: parse a value or say precisely why it is refused.

    Shared by every form: a form resumed after a stop that was not confirmed keeps its
    answers as they were (no second validation, so no second code sent or booking tried);
    answers the question cannot use are counted, and from the second one in a row the
    refusal alternates with an example and the ways on (utter_stuck), so the customer never
    reads the same sentence three times in a row.
    """

    @abstractmethod
    def name(self) -> str: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if resumed(tracker):
            return []
        own = CollectingDispatcher()
        events = await super().run(own, tracker, domain)
        requested = tracker.get_slot("requested_slot")
        count = refusals(tracker)
        if requested and requested in tracker.slots_to_validate():
            if _set_to(events, requested, None) and refused(own.messages):
                count += 1
                if shows_example(count):
                    own.messages = []
                    own.utter_message(response=STUCK_RESPONSE)
                events.append(SlotSet("unusable_count", float(count)))
            elif count:
                events.append(SlotSet("unusable_count", None))
        dispatcher.messages.extend(own.messages)
        return events

    @staticmethod
    def parsed(
        slot: str,
        value: Any,
        parse: Callable[[str], Any],
        dispatcher: CollectingDispatcher,
    ) -> dict[str, Any]:
        """`{slot: parse(value)}`, or utter the matching invalid response and `{slot: None}`."""
        try:
            return {slot: parse(as_text(value))}
        except InvalidValue as error:
            dispatcher.utter_message(response=INVALID_RESPONSES.get(error.code, "utter_default"))
            return {slot: None}
