"""The profile: changes, contact changes behind a code, export, erasure, MyCar signup."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import otp, profile
from core.conversations import (
    add_attachment,
    get_or_create_conversation,
    record_message,
    transcript,
)
from core.customers import find_customer
from core.errors import InvalidValue, NoChallenge, NotFound
from core.file_store import DatabaseStore, FilesystemStore
from core.files import store_upload
from core.models import Booking, ChannelIdentity, Conversation, Customer, Vehicle


def camille(uow_factory) -> int:
    return find_customer(uow_factory(), "web", "demo-camille").id


@pytest.fixture
def camille_chat(seeded_uow_factory) -> int:
    with seeded_uow_factory() as uow:
        conversation = Conversation(channel="web", external_id="demo-camille", language="fr")
        uow.session.add(conversation)
        uow.session.flush()
        uow.commit()
        return conversation.id


def test_name_and_language_change(seeded_uow_factory) -> None:
    customer_id = camille(seeded_uow_factory)
    view = profile.update_profile(
        seeded_uow_factory(), customer_id, name=" Camille  M. ", language="en"
    )
    assert (view.name, view.language) == ("Camille M.", "en")
    assert view.vehicles[0].plate == "AB-123-CD"
    with pytest.raises(InvalidValue):
        profile.update_profile(seeded_uow_factory(), customer_id, language="de")


def test_a_new_email_replaces_the_old_only_after_its_code(
    seeded_uow_factory, camille_chat, now
) -> None:
    customer_id = camille(seeded_uow_factory)
    view, code = profile.request_contact_change(
        seeded_uow_factory(),
        conversation_id=camille_chat,
        customer_id=customer_id,
        transport="email",
        new_value="Camille.New@Example.fr",
        now=now,
    )
    assert view.masked_destination == "c•••@example.fr"
    assert (
        profile.get_profile(seeded_uow_factory(), customer_id).email == "camille.martin@example.fr"
    )
    with pytest.raises(NoChallenge):
        profile.apply_contact_change(seeded_uow_factory(), challenge_id=view.id, now=now)
    otp.verify_code(seeded_uow_factory(), conversation_id=camille_chat, code=code, now=now)
    changed = profile.apply_contact_change(seeded_uow_factory(), challenge_id=view.id, now=now)
    assert changed.email == "camille.new@example.fr"
    with pytest.raises(NoChallenge):
        profile.apply_contact_change(seeded_uow_factory(), challenge_id=view.id, now=now)


def test_a_phone_change_needs_a_phone_number(seeded_uow_factory, camille_chat, now) -> None:
    with pytest.raises(InvalidValue) as error:
        profile.request_contact_change(
            seeded_uow_factory(),
            conversation_id=camille_chat,
            customer_id=camille(seeded_uow_factory),
            transport="sms",
            new_value="camille@example.fr",
            now=now,
        )
    assert error.value.code == "invalid_phone"


def test_the_export_lists_what_is_stored(seeded_uow_factory, camille_chat) -> None:
    record_message(
        seeded_uow_factory(),
        camille_chat,
        direction="in",
        sender="customer",
        text="bonjour",
        status="received",
    )
    data = profile.export_customer_data(seeded_uow_factory(), camille(seeded_uow_factory))
    assert data["customer"]["email"] == "camille.martin@example.fr"
    assert {"channel": "telegram", "id": "100200300"} in data["channels"]
    assert data["vehicles"][0]["vin"] == "ZDM1RBBW5KB012345"
    assert data["conversations"][0]["messages"][0]["text"] == "bonjour"
    assert isinstance(data["bookings"], list)


def test_erasure_removes_personal_data_and_keeps_bookings(
    seeded_uow_factory, camille_chat, now
) -> None:
    customer_id = camille(seeded_uow_factory)
    record_message(
        seeded_uow_factory(),
        camille_chat,
        direction="in",
        sender="customer",
        text="mon vin",
        status="received",
    )
    with seeded_uow_factory() as uow:
        bookings = uow.session.scalar(
            select(func.count()).select_from(Booking).where(Booking.customer_id == customer_id)
        )
    profile.erase_customer(seeded_uow_factory(), customer_id, now)
    with seeded_uow_factory() as uow:
        session = uow.session
        customer = session.get(Customer, customer_id)
        assert (customer.name, customer.email, customer.phone) == ("Client supprimé", None, None)
        assert customer.erased_at == now
        assert (
            session.scalar(
                select(func.count()).select_from(Vehicle).where(Vehicle.customer_id == customer_id)
            )
            == 0
        )
        assert (
            session.scalar(
                select(func.count())
                .select_from(ChannelIdentity)
                .where(ChannelIdentity.customer_id == customer_id)
            )
            == 0
        )
        kept = session.scalar(
            select(func.count()).select_from(Booking).where(Booking.customer_id == customer_id)
        )
        assert kept == bookings
    assert [m.text for m in transcript(seeded_uow_factory(), camille_chat)] == ["[effacé]"]
    assert find_customer(seeded_uow_factory(), "web", "demo-camille") is None
    with pytest.raises(NotFound):
        profile.get_profile(seeded_uow_factory(), customer_id)


def signup_code(uow_factory, conversation_id, transport, destination, at):
    view, code = otp.start_challenge(
        uow_factory(),
        purpose="signup",
        conversation_id=conversation_id,
        transport=transport,
        destination=destination,
        now=at,
    )
    otp.verify_code(uow_factory(), conversation_id=conversation_id, code=code, now=at)


def test_a_mycar_account_exists_only_after_both_contacts_are_verified(
    seeded_uow_factory, add_conversation, now
) -> None:
    from datetime import timedelta

    conversation_id = add_conversation("web", "newcomer")
    account = dict(
        channel="web",
        external_id="newcomer",
        name="Nora Petit",
        email="nora@example.fr",
        phone="06 11 22 33 44",
        vin="VF1AAAAA000000001",
        plate="ZZ-999-ZZ",
        brand="Honda",
        model="CB650R",
        year=2023,
    )
    signup_code(seeded_uow_factory, conversation_id, "email", "nora@example.fr", now)
    with pytest.raises(NoChallenge) as error:
        profile.create_mycar_account(seeded_uow_factory(), now=now, **account)
    assert error.value.code == "phone_not_verified"
    later = now + timedelta(minutes=1)
    signup_code(seeded_uow_factory, conversation_id, "sms", "+33611223344", later)
    customer = profile.create_mycar_account(seeded_uow_factory(), now=later, **account)
    assert find_customer(seeded_uow_factory(), "web", "newcomer") == customer
    view = profile.get_profile(seeded_uow_factory(), customer.id)
    assert view.vehicles[0].vin == "VF1AAAAA000000001"
    assert view.identified_vehicle_id == view.vehicles[0].id


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _send_picture(uow_factory, conversation_id: int, root, store=None) -> str:
    message_id = record_message(
        uow_factory(),
        conversation_id,
        direction="in",
        sender="customer",
        text="[photo]",
        status="received",
    )
    path, size = store_upload(PNG, "image/png", store or FilesystemStore(root))
    add_attachment(
        uow_factory(),
        message_id,
        kind="image",
        content_type="image/png",
        storage_path=path,
        size=size,
    )
    return path


def test_erasure_deletes_the_files_the_customer_sent_and_no_one_elses(
    seeded_uow_factory, camille_chat, now, tmp_path
) -> None:
    theirs = _send_picture(seeded_uow_factory, camille_chat, tmp_path)
    stranger = get_or_create_conversation(seeded_uow_factory(), "web", "someone-else").id
    others = _send_picture(seeded_uow_factory, stranger, tmp_path)

    profile.erase_customer(seeded_uow_factory(), camille(seeded_uow_factory), now)

    assert not Path(theirs).exists()
    assert Path(others).exists()


def test_erasure_deletes_their_files_from_both_stores(
    seeded_uow_factory, camille_chat, now, tmp_path
) -> None:
    database = DatabaseStore(seeded_uow_factory)
    on_disk = _send_picture(seeded_uow_factory, camille_chat, tmp_path)
    in_table = _send_picture(seeded_uow_factory, camille_chat, tmp_path, database)
    stranger = get_or_create_conversation(seeded_uow_factory(), "web", "someone-else").id
    others = _send_picture(seeded_uow_factory, stranger, tmp_path, database)
    assert database.read(in_table) == PNG

    profile.erase_customer(seeded_uow_factory(), camille(seeded_uow_factory), now)

    assert not Path(on_disk).exists()
    assert database.read(in_table) is None
    assert database.read(others) == PNG
