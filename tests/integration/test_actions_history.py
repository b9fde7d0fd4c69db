"""The vehicle's history in the chat, the maintenance check of an identified vehicle, and the
maintenance reminder's yes and stop (actions/history.py, actions/maintenance.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rasa_sdk.events import SlotSet

from actions.history import (
    ActionMaintenanceReminderOptIn,
    ActionOfferMaintenanceReminder,
    ActionStopMaintenanceReminders,
    ActionVehicleHistory,
)
from actions.maintenance import ValidateMaintenanceForm
from core.maintenance_reminders import subscription_of
from core.mileage import record_reading
from core.models import ChannelIdentity, Customer, Vehicle
from tests.integration.actions_kit import context, form_tracker, message_tracker, responses, run
from tests.integration.test_vehicle_history import book, garage  # noqa: F401 - the fixture


@pytest.fixture
def visitor(garage):  # noqa: F811
    """The garage's customer is also the actions kit's web visitor."""
    with garage.uow() as uow:
        uow.session.add(
            ChannelIdentity(channel="web", external_id="visitor-1", customer_id=garage.customer_id)
        )
        uow.commit()
    return garage


async def test_the_maintenance_check_of_an_identified_vehicle_asks_only_the_mileage(visitor):
    g = visitor
    book(g, 100)  # serviced 100 days ago: not overdue, the mileage decides
    form = ValidateMaintenanceForm(context=context(g.uow, g.now))

    events, messages = await run(form, form_tracker("maintenance_form", activation=True))

    assert SlotSet("vehicle_year", "2021") in events
    last = [e for e in events if e.get("name") == "last_service_date"][-1]["value"]
    assert last == (g.now - timedelta(days=100)).date().isoformat()
    assert events[-1] == SlotSet("requested_slot", "km_since_service")
    assert responses(messages) == [
        "utter_maintenance_known_year",
        "utter_maintenance_known_service",
    ]


async def test_an_identified_vehicle_without_history_is_asked_its_last_service(visitor):
    form = ValidateMaintenanceForm(context=context(visitor.uow, visitor.now))
    events, messages = await run(form, form_tracker("maintenance_form", activation=True))
    assert SlotSet("vehicle_year", "2021") in events
    assert events[-1] == SlotSet("requested_slot", "last_service_date")
    assert responses(messages) == ["utter_maintenance_known_year"]


async def test_the_history_tells_the_visits_the_last_service_and_mileage_then_offers_reminders(
    visitor,
):
    g = visitor
    book(g, 100, description="Bruit au freinage")
    record_reading(g.uow(), g.vehicle_id, 12_345, source="staff", read_at=g.now)
    action = ActionVehicleHistory(context=context(g.uow, g.now))

    _, messages = await run(action, message_tracker("historique de ma moto"))

    assert responses(messages) == [
        "utter_history_intro",
        "utter_history_entry",
        "utter_history_last_service",
        "utter_history_mileage",
        "utter_offer_maintenance_reminder",
    ]
    assert "Bruit au freinage" in messages[1]["what"]
    assert messages[3]["km"] in ("12 345", "12\u202f345", "12\xa0345")


async def test_an_unknown_customer_is_offered_the_identification_first(uow_factory, now):
    action = ActionVehicleHistory(context=context(uow_factory, now))
    _, messages = await run(action, message_tracker("historique de ma moto"))
    assert responses(messages) == ["utter_history_need_identification"]


async def test_a_customer_says_yes_then_stop_to_the_maintenance_reminder(visitor):
    g = visitor
    offer = ActionOfferMaintenanceReminder(context=context(g.uow, g.now))
    events, messages = await run(
        offer, message_tracker("/deny", slots={"last_service_date": "2025-06-01"})
    )
    assert responses(messages) == ["utter_offer_maintenance_reminder"]
    assert events == [SlotSet("maintenance_told_service", "2025-06-01")]

    yes = ActionMaintenanceReminderOptIn(context=context(g.uow, g.now))
    _, said = await run(
        yes,
        message_tracker(
            "/maintenance_reminder_opt_in", slots={"maintenance_told_service": "2025-06-01"}
        ),
    )
    assert responses(said) == ["utter_maintenance_reminder_on"]
    view = subscription_of(g.uow(), g.vehicle_id)
    assert view is not None and view.active and str(view.declared_last_service) == "2025-06-01"

    stop = ActionStopMaintenanceReminders(context=context(g.uow, g.now))
    _, said = await run(stop, message_tracker("stop les rappels d'entretien"))
    assert responses(said) == ["utter_maintenance_reminder_off"]
    view = subscription_of(g.uow(), g.vehicle_id)
    assert view is not None and not view.active
    _, again = await run(offer, message_tracker("/deny"))  # offered again: not subscribed
    assert responses(again) == ["utter_offer_maintenance_reminder"]


def test_the_fixture_vehicle_is_identified(visitor):
    with visitor.uow() as uow:
        customer = uow.session.get(Customer, visitor.customer_id)
        assert uow.session.get(Vehicle, customer.identified_vehicle_id).year == 2021
