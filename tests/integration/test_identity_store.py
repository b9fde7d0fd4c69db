"""Vehicle identification against the demo records: the four outcomes, then the code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core import otp
from core.customers import find_customer
from core.errors import Forbidden, NoChallenge
from core.identity import ContactOption, identify_vehicle
from core.models import Customer, Vehicle

PLATE, VIN = "AB-123-CD", "ZDM1RBBW5KB012345"  # Camille's Ducati
OTHER_PLATE = "GH-456-JK"  # James's Triumph


def test_plate_and_vin_of_one_vehicle_match_with_the_owner_contacts(seeded_uow_factory) -> None:
    found = identify_vehicle(seeded_uow_factory(), "ab 123 cd", "zdm1r-bbw5k-b012345")
    assert found.outcome == "match" and found.vehicle_id is not None
    assert found.options == [
        ContactOption("sms", "06 •• •• •• 12"),
        ContactOption("email", "c•••@example.fr"),
    ]
    assert found.service_phone is None


def test_a_known_vin_with_another_plate_is_a_wrong_plate(seeded_uow_factory) -> None:
    found = identify_vehicle(seeded_uow_factory(), "ZZ-999-ZZ", VIN)
    assert found.outcome == "plate_wrong" and found.vehicle_id is None and found.options == []
    assert found.service_phone
    assert identify_vehicle(seeded_uow_factory(), OTHER_PLATE, VIN).outcome == "plate_wrong"


def test_a_known_plate_with_an_unknown_vin_is_a_wrong_vin(seeded_uow_factory) -> None:
    found = identify_vehicle(seeded_uow_factory(), PLATE, "VF1AAAAA000000001")
    assert found.outcome == "vin_wrong" and found.vehicle_id is None and found.options == []


def test_neither_known_is_unknown(seeded_uow_factory) -> None:
    found = identify_vehicle(seeded_uow_factory(), "ZZ-999-ZZ", "VF1AAAAA000000001")
    assert found.outcome == "unknown"


def test_the_verified_code_makes_the_conversation_the_owners(
    seeded_uow_factory, add_conversation, now
) -> None:
    conversation_id = add_conversation("web", "new-visitor", customer="Someone")
    vehicle_id = identify_vehicle(seeded_uow_factory(), PLATE, VIN).vehicle_id
    view, code = otp.start_identification(
        seeded_uow_factory(),
        conversation_id=conversation_id,
        vehicle_id=vehicle_id,
        transport="sms",
        now=now,
    )
    assert view.masked_destination == "06 •• •• •• 12"
    assert otp.challenge_destination(seeded_uow_factory(), view.id) == "+33639984512"
    with pytest.raises(NoChallenge):  # not verified yet
        otp.complete_identification(
            seeded_uow_factory(),
            challenge_id=view.id,
            channel="web",
            external_id="new-visitor",
            now=now,
        )
    otp.verify_code(seeded_uow_factory(), conversation_id=conversation_id, code=code, now=now)
    with pytest.raises(Forbidden):
        otp.complete_identification(
            seeded_uow_factory(), challenge_id=view.id, channel="web", external_id="other", now=now
        )
    customer = otp.complete_identification(
        seeded_uow_factory(),
        challenge_id=view.id,
        channel="web",
        external_id="new-visitor",
        now=now + timedelta(seconds=5),
    )
    assert customer.name == "Camille Martin"
    assert find_customer(seeded_uow_factory(), "web", "new-visitor") == customer
    with seeded_uow_factory() as uow:
        owner = uow.session.get(Customer, customer.id)
        assert owner.identified_vehicle_id == vehicle_id
        assert (
            uow.session.scalar(select(Vehicle.customer_id).where(Vehicle.id == vehicle_id))
            == owner.id
        )
