"""Maintenance check: validations and the dynamic questions of validate_maintenance_form."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from rasa_sdk.events import SlotSet

from actions.maintenance import ActionMaintenanceOutcome, ValidateMaintenanceForm
from core.db import make_engine, make_session_factory
from core.uow import uow_factory as make_uow_factory
from tests.conftest import TIMEZONE
from tests.integration.actions_kit import (
    FIRST_REFUSAL,
    context,
    form_tracker,
    message_tracker,
    run,
    said,
)

# FIXED_NOW of tests/conftest.py: Wednesday 19 November 2025, 10:30 in Paris.
YEAR_GIVEN = {"vehicle_year": "2019"}
RECENT = {**YEAR_GIVEN, "last_service_date": "2025-03-19"}


def no_database() -> Any:
    pytest.fail("the maintenance check needs no database")


@pytest.fixture
def form(sqlite_url: str, now: datetime) -> ValidateMaintenanceForm:
    """On an empty database: the customer is unknown, so every question is asked (an
    identified vehicle's known answers: tests/integration/test_actions_history.py)."""
    engine = make_engine(sqlite_url)
    return ValidateMaintenanceForm(
        context=context(make_uow_factory(make_session_factory(engine), TIMEZONE), now)
    )


async def test_activation_asks_the_year_first(form: ValidateMaintenanceForm) -> None:
    events, messages = await run(form, form_tracker("maintenance_form", activation=True))
    assert events == [SlotSet("requested_slot", "vehicle_year")]
    assert messages == []


@pytest.mark.parametrize(
    ("typed", "year"),
    [
        ("une 2019", "2019"),
        ("c'est une 2017", "2017"),
        ("my bike is a 2018", "2018"),
        ("19", "2019"),
    ],
)
async def test_a_year_as_typed_is_kept_then_the_last_service_is_asked(
    form: ValidateMaintenanceForm, typed: str, year: str
) -> None:
    tracker = form_tracker(
        "maintenance_form", candidates={"vehicle_year": typed}, requested="vehicle_year"
    )
    events, messages = await run(form, tracker)
    assert events == [
        SlotSet("vehicle_year", year),
        SlotSet("requested_slot", "last_service_date"),
    ]
    assert messages == []


@pytest.mark.parametrize("typed", ["1890", "2031", "une moto", "je sais pas"])
async def test_an_implausible_year_is_refused_and_asked_again(
    form: ValidateMaintenanceForm, typed: str
) -> None:
    tracker = form_tracker(
        "maintenance_form", candidates={"vehicle_year": typed}, requested="vehicle_year"
    )
    events, messages = await run(form, tracker)
    assert events == [
        SlotSet("vehicle_year", None),
        SlotSet("requested_slot", "vehicle_year"),
        FIRST_REFUSAL,
    ]
    assert messages == [said("utter_invalid_year")]


@pytest.mark.parametrize(
    ("typed", "iso"),
    [("mars 2023", "2023-03-16"), ("12/09/2024", "2024-09-12"), ("il y a 2 ans", "2023-11-19")],
)
async def test_a_service_more_than_a_year_ago_ends_the_questions(
    form: ValidateMaintenanceForm, typed: str, iso: str
) -> None:
    tracker = form_tracker(
        "maintenance_form",
        slots=YEAR_GIVEN,
        candidates={"last_service_date": typed},
        requested="last_service_date",
    )
    events, messages = await run(form, tracker)
    assert events == [SlotSet("last_service_date", iso), SlotSet("requested_slot", None)]
    assert messages == []


@pytest.mark.parametrize(
    ("typed", "iso"),
    [
        ("il y a 8 mois", "2025-03-19"),
        ("l'été dernier", "2025-07-16"),
        ("last spring", "2025-04-15"),
        ("il y a un an", "2024-11-19"),  # exactly one year: not more than one
    ],
)
async def test_a_recent_service_asks_the_mileage(
    form: ValidateMaintenanceForm, typed: str, iso: str
) -> None:
    tracker = form_tracker(
        "maintenance_form",
        slots=YEAR_GIVEN,
        candidates={"last_service_date": typed},
        requested="last_service_date",
    )
    events, messages = await run(form, tracker)
    assert events == [
        SlotSet("last_service_date", iso),
        SlotSet("requested_slot", "km_since_service"),
    ]
    assert messages == []


@pytest.mark.parametrize(
    ("typed", "response"),
    [
        ("demain", "utter_future_date"),
        ("12/12/2025", "utter_future_date"),
        ("bof", "utter_invalid_date"),
        ("31/02/2024", "utter_invalid_date"),
    ],
)
async def test_a_future_or_unreadable_date_is_refused_precisely(
    form: ValidateMaintenanceForm, typed: str, response: str
) -> None:
    tracker = form_tracker(
        "maintenance_form",
        slots=YEAR_GIVEN,
        candidates={"last_service_date": typed},
        requested="last_service_date",
    )
    events, messages = await run(form, tracker)
    assert events == [
        SlotSet("last_service_date", None),
        SlotSet("requested_slot", "last_service_date"),
        FIRST_REFUSAL,
    ]
    assert messages == [said(response)]


@pytest.mark.parametrize(("typed", "km"), [("12 000 km", 12000.0), ("15000 bornes", 15000.0)])
async def test_10000_km_or_more_ends_the_questions(
    form: ValidateMaintenanceForm, typed: str, km: float
) -> None:
    tracker = form_tracker(
        "maintenance_form",
        slots=RECENT,
        candidates={"km_since_service": typed},
        requested="km_since_service",
    )
    events, messages = await run(form, tracker)
    assert events == [SlotSet("km_since_service", km), SlotSet("requested_slot", None)]
    assert messages == []


async def test_under_10000_km_the_wish_is_asked(form: ValidateMaintenanceForm) -> None:
    tracker = form_tracker(
        "maintenance_form",
        slots=RECENT,
        candidates={"km_since_service": "8k"},
        requested="km_since_service",
    )
    events, messages = await run(form, tracker)
    # All four questions are now required, as in the domain: Rasa itself asks the next one
    # (service_anyway), so the SDK adds no requested_slot.
    assert events == [SlotSet("km_since_service", 8000.0)]
    assert messages == []


@pytest.mark.parametrize("typed", ["-500", "beaucoup", "2 000 000 km"])
async def test_a_negative_or_unreadable_mileage_is_refused(
    form: ValidateMaintenanceForm, typed: str
) -> None:
    tracker = form_tracker(
        "maintenance_form",
        slots=RECENT,
        candidates={"km_since_service": typed},
        requested="km_since_service",
    )
    events, messages = await run(form, tracker)
    assert events == [
        SlotSet("km_since_service", None),
        SlotSet("requested_slot", "km_since_service"),
        FIRST_REFUSAL,
    ]
    assert messages == [said("utter_invalid_mileage")]


@pytest.mark.parametrize("wish", [True, False])
async def test_the_wish_ends_the_questions(form: ValidateMaintenanceForm, wish: bool) -> None:
    tracker = form_tracker(
        "maintenance_form",
        slots={**RECENT, "km_since_service": 8000.0},
        candidates={"service_anyway": wish},
        requested="service_anyway",
        intent="affirm" if wish else "deny",
    )
    events, messages = await run(form, tracker)
    assert events == [SlotSet("service_anyway", wish)]
    assert messages == []


@pytest.mark.parametrize(
    ("answers", "due"),
    [
        ({"last_service_date": "2023-03-16"}, True),
        ({"last_service_date": "2025-03-19", "km_since_service": 12000.0}, True),
        ({"last_service_date": "2025-03-19", "km_since_service": 10000.0}, True),
        (
            {"last_service_date": "2025-03-19", "km_since_service": 8000.0, "service_anyway": True},
            True,
        ),
        (
            {
                "last_service_date": "2025-03-19",
                "km_since_service": 8000.0,
                "service_anyway": False,
            },
            False,
        ),
    ],
)
async def test_the_outcome_says_whether_a_service_is_due(
    now: datetime, answers: dict[str, Any], due: bool
) -> None:
    action = ActionMaintenanceOutcome(context=context(no_database, now))
    events, messages = await run(action, message_tracker("", slots={**YEAR_GIVEN, **answers}))
    assert events == [SlotSet("maintenance_due", due), SlotSet("service_code", "maintenance")]
    assert messages == []
