"""Maintenance check: the form's questions follow the client's decision tree (core)."""

from __future__ import annotations

from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import PitlaneAction, PitlaneFormValidator, language_of
from actions.feedback import customer_id_of
from core.errors import NotFound
from core.formatting import format_short_date
from core.maintenance import MAINTENANCE_SERVICE, Question, Verdict, maintenance_verdict, questions
from core.parsing import parse_mileage, parse_past_date, parse_year
from core.vehicle_history import history
from core.workshop import identified_vehicle_id

QUESTION_SLOTS = {
    Question.YEAR: "vehicle_year",
    Question.LAST_SERVICE: "last_service_date",
    Question.MILEAGE: "km_since_service",
    Question.WISH: "service_anyway",
}


def _answers(tracker: Tracker) -> tuple[date | None, int | None, bool | None]:
    """The validated answers held in slots: last service (ISO text), km (number), wish (bool).

    While a turn is being validated a slot may still hold the raw text typed by the
    customer; such a value counts as not answered yet.
    """
    try:
        last = date.fromisoformat(tracker.get_slot("last_service_date") or "")
    except (TypeError, ValueError):
        last = None
    km = tracker.get_slot("km_since_service")
    wish = tracker.get_slot("service_anyway")
    return (
        last,
        int(km) if isinstance(km, (int, float)) and not isinstance(km, bool) else None,
        wish if isinstance(wish, bool) else None,
    )


class ValidateMaintenanceForm(PitlaneFormValidator):
    """`validate_maintenance_form`: year, last service, then mileage and wish when asked."""

    def name(self) -> str:
        return "validate_maintenance_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        last, km, _ = _answers(tracker)
        asked = questions(last_service=last, today=self.context.today(), km=km)
        return [QUESTION_SLOTS[question] for question in asked]

    async def extract_vehicle_year(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """When the form starts for an identified vehicle: its year and its last service
        from its history, said once; only what is not known is asked."""
        if tracker.get_slot("requested_slot") is not None or tracker.get_slot("vehicle_year"):
            return {}
        customer_id = customer_id_of(self, tracker)
        vehicle_id = identified_vehicle_id(self.context.uow(), customer_id)
        if vehicle_id is None:
            return {}
        try:
            vehicle = history(self.context.uow(), vehicle_id, self.context.now())
        except NotFound:
            return {}
        known: dict[str, Any] = {}
        if vehicle.year is not None:
            known["vehicle_year"] = str(vehicle.year)
            dispatcher.utter_message(
                response="utter_maintenance_known_year", vehicle=vehicle.label, year=vehicle.year
            )
        if vehicle.last_service is not None and tracker.get_slot("last_service_date") is None:
            known["last_service_date"] = vehicle.last_service.isoformat()
            dispatcher.utter_message(
                response="utter_maintenance_known_service",
                day=format_short_date(vehicle.last_service, language_of(tracker)),
            )
        return known

    def validate_vehicle_year(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        today = self.context.today()
        return self.parsed("vehicle_year", value, lambda t: str(parse_year(t, today)), dispatcher)

    def validate_last_service_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        today = self.context.today()
        return self.parsed(
            "last_service_date",
            value,
            lambda text: _known_date(text, today) or parse_past_date(text, today).isoformat(),
            dispatcher,
        )

    def validate_km_since_service(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.parsed(
            "km_since_service", value, lambda text: float(parse_mileage(text)), dispatcher
        )

    def validate_service_anyway(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"service_anyway": value if isinstance(value, bool) else None}


def _known_date(text: str, today: date) -> str | None:
    """An ISO date not in the future (the history's last service) is taken as it is."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return day.isoformat() if day <= today else None


class ActionMaintenanceOutcome(PitlaneAction):
    """`action_maintenance_outcome`: is a service due? The booking form books "maintenance"."""

    def name(self) -> str:
        return "action_maintenance_outcome"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        last, km, wish = _answers(tracker)
        verdict = maintenance_verdict(
            last_service=last, today=self.context.today(), km=km, wants_service=wish
        )
        return [
            SlotSet("maintenance_due", verdict is Verdict.DUE),
            SlotSet("service_code", MAINTENANCE_SERVICE),
        ]
