"""The identified vehicle's history in the chat, and the maintenance reminders drawn from it
(docs/workshop.md, "Vehicle history"). Without an identified vehicle the customer is offered
the identification first (its button starts identification_form)."""

from __future__ import annotations

from datetime import date

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import ActionContext, PitlaneAction, as_text, channel_identity, language_of
from actions.feedback import customer_id_of
from core import i18n, invoices, maintenance_reminders
from core.errors import InvalidValue, NotFound
from core.formatting import format_number, format_short_date, local_time
from core.vehicle_history import VehicleHistory, history
from core.workshop import identified_vehicle_id

SHOWN_ENTRIES = 5  # the last visits told in the chat


def invoice_links(context: ActionContext, job_ids: list[int], language: str) -> list[dict]:
    """Signed links to the invoices of those jobs ("Facture PN-2026-000123 (PDF)"); none
    when the bot gives no links (context.links unset)."""
    if context.links is None:
        return []
    links = []
    for job_id in job_ids:
        invoice = invoices.invoice_of_job(context.uow(), job_id)
        if invoice is not None:
            links.append(
                {
                    "title": i18n.text("actions", "invoice_link", language, number=invoice.number),
                    "url": context.links.url(invoices.DOCUMENT_KIND, invoice.id, context.now()),
                }
            )
    return links


class HistoryLookup:
    """Mixin: the customer known on this channel, their identified vehicle's history."""

    def vehicle(self, tracker: Tracker) -> tuple[int | None, VehicleHistory | None]:
        context = self.context  # type: ignore[attr-defined]
        customer_id = customer_id_of(self, tracker)
        vehicle_id = identified_vehicle_id(context.uow(), customer_id)
        if customer_id is None or vehicle_id is None:
            return customer_id, None
        try:
            return customer_id, history(context.uow(), vehicle_id, context.now())
        except NotFound:
            return customer_id, None

    def subscribed(self, vehicle: VehicleHistory) -> bool:
        context = self.context  # type: ignore[attr-defined]
        found = maintenance_reminders.subscription_of(context.uow(), vehicle.vehicle_id)
        return found is not None and found.active


class ActionVehicleHistory(HistoryLookup, PitlaneAction):
    """`action_vehicle_history`: the last visits (day, what), the last service and the latest
    mileage; then the maintenance reminder is offered when not asked for yet."""

    def name(self) -> str:
        return "action_vehicle_history"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _, vehicle = self.vehicle(tracker)
        if vehicle is None:
            dispatcher.utter_message(response="utter_history_need_identification")
            return []
        language = language_of(tracker)
        tz = self.context.timezone
        if not vehicle.entries:
            dispatcher.utter_message(response="utter_history_empty", vehicle=vehicle.label)
        else:
            dispatcher.utter_message(response="utter_history_intro", vehicle=vehicle.label)
            for entry in vehicle.entries[:SHOWN_ENTRIES]:
                service = entry.service_en if language == "en" else entry.service_fr
                what = " — ".join(part for part in (service, entry.what) if part) or "—"
                dispatcher.utter_message(
                    response="utter_history_entry",
                    day=format_short_date(entry.day, language),
                    what=what,
                    agency=entry.agency_name,
                )
            shown = [e.job_id for e in vehicle.entries[:SHOWN_ENTRIES] if e.job_id is not None]
            links = invoice_links(self.context, shown, language)
            if links:
                dispatcher.utter_message(json_message={"links": links})
        if vehicle.last_service is not None:
            dispatcher.utter_message(
                response="utter_history_last_service",
                day=format_short_date(vehicle.last_service, language),
            )
        if vehicle.latest_km is not None and vehicle.latest_km_at is not None:
            dispatcher.utter_message(
                response="utter_history_mileage",
                km=format_number(vehicle.latest_km, language),
                day=format_short_date(local_time(vehicle.latest_km_at, tz).date(), language),
            )
        if not self.subscribed(vehicle):
            dispatcher.utter_message(
                response="utter_offer_maintenance_reminder", vehicle=vehicle.label
            )
        return []


class ActionOfferMaintenanceReminder(HistoryLookup, PitlaneAction):
    """`action_offer_maintenance_reminder`: after a maintenance check that found no service
    due, an identified customer not yet reminded is asked whether to be; the last service
    they told is kept for their yes."""

    def name(self) -> str:
        return "action_offer_maintenance_reminder"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _, vehicle = self.vehicle(tracker)
        if vehicle is None or self.subscribed(vehicle):
            return []
        dispatcher.utter_message(response="utter_offer_maintenance_reminder", vehicle=vehicle.label)
        told = _iso_date(tracker.get_slot("last_service_date"))
        return [SlotSet("maintenance_told_service", told.isoformat() if told else None)]


class ActionMaintenanceReminderOptIn(HistoryLookup, PitlaneAction):
    """`action_maintenance_reminder_opt_in`: remember the yes for the identified vehicle."""

    def name(self) -> str:
        return "action_maintenance_reminder_opt_in"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        customer_id, vehicle = self.vehicle(tracker)
        if customer_id is None or vehicle is None:
            dispatcher.utter_message(response="utter_history_need_identification")
            return []
        try:
            maintenance_reminders.subscribe(
                self.context.uow(),
                customer_id=customer_id,
                vehicle_id=vehicle.vehicle_id,
                channel=channel_identity(tracker).channel,
                now=self.context.now(),
                declared_last_service=_iso_date(tracker.get_slot("maintenance_told_service")),
            )
        except InvalidValue:
            dispatcher.utter_message(response="utter_history_need_identification")
            return []
        dispatcher.utter_message(response="utter_maintenance_reminder_on", vehicle=vehicle.label)
        return [SlotSet("maintenance_told_service", None)]


class ActionStopMaintenanceReminders(PitlaneAction):
    """`action_stop_maintenance_reminders`: no (more) maintenance reminders for this customer."""

    def name(self) -> str:
        return "action_stop_maintenance_reminders"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        customer_id = customer_id_of(self, tracker)
        if customer_id is not None:
            maintenance_reminders.unsubscribe(self.context.uow(), customer_id, self.context.now())
        dispatcher.utter_message(response="utter_maintenance_reminder_off")
        return [SlotSet("maintenance_told_service", None)]


def _iso_date(value: object) -> date | None:
    try:
        return date.fromisoformat(as_text(value))
    except ValueError:
        return None
