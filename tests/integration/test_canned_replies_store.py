"""Canned replies in the database (core/canned_replies.py) and their variables filled for a
conversation (core/canned_fill.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, select

from core import canned_replies as canned
from core.canned_fill import ReplyValues, fill, replies_for_conversation
from core.canned_replies import CannedReplyInput
from core.errors import InvalidValue, ShortcutTaken, UnknownCannedReply
from core.models import (
    Agency,
    Booking,
    Calendar,
    CannedReply,
    ChannelIdentity,
    Customer,
    RepairJob,
    Setting,
    Vehicle,
)
from core.seed import CANNED_LOADED, ensure_demo_canned_replies
from core.settings_store import write_setting
from core.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
RDV = CannedReplyInput("rdv", "fr", "Proposer un rendez-vous", "Bonjour {prenom}, à {agence} ?")


def test_a_reply_is_created_and_listed_with_its_language_only(uow_factory: UowFactory) -> None:
    made = canned.create_reply(uow_factory(), RDV)
    english = canned.create_reply(
        uow_factory(), CannedReplyInput("rdv", "en", "Offer a slot", "Hello {first_name}")
    )

    assert canned.list_replies(uow_factory(), "fr") == [made]
    assert canned.list_replies(uow_factory(), "en") == [english]
    assert [r.language for r in canned.list_replies(uow_factory())] == ["fr", "en"]
    assert canned.get_reply(uow_factory(), made.id).text == "Bonjour {prenom}, à {agence} ?"


def test_a_typed_shortcut_is_cleaned_and_a_bad_one_refused(uow_factory: UowFactory) -> None:
    made = canned.create_reply(
        uow_factory(), CannedReplyInput(" /Devis-2 ", "fr", "  Devis   gratuit ", "Texte\r\nsuite ")
    )
    refused = []
    for shortcut, language, title, text in [
        ("x", "fr", "T", "t"),  # one character
        ("rdv vite", "fr", "T", "t"),
        ("rdv_vite", "fr", "T", "t"),
        ("a" * 31, "fr", "T", "t"),
        ("ok", "de", "T", "t"),
        ("ok", "fr", " ", "t"),
        ("ok", "fr", "T", " \n "),
        ("ok", "fr", "T", "a" * 2001),
    ]:
        with pytest.raises(InvalidValue) as caught:
            canned.create_reply(uow_factory(), CannedReplyInput(shortcut, language, title, text))
        refused.append(caught.value.code)

    assert (made.shortcut, made.title, made.text) == ("devis-2", "Devis gratuit", "Texte\nsuite")
    assert refused == ["invalid_shortcut"] * 4 + [
        "invalid_language",
        "empty_title",
        "empty_text",
        "text_too_long",
    ]
    long_text = canned.create_reply(uow_factory(), CannedReplyInput("ok", "fr", "T", "a" * 2000))
    assert len(long_text.text) == 2000  # the limit of an advisor's message
    assert len(canned.list_replies(uow_factory(), "fr")) == 2


def test_a_duplicate_shortcut_in_the_same_language_is_refused(uow_factory: UowFactory) -> None:
    canned.create_reply(uow_factory(), RDV)
    with pytest.raises(ShortcutTaken) as caught:
        canned.create_reply(uow_factory(), CannedReplyInput("RDV", "fr", "Autre", "Autre texte"))

    assert caught.value.code == "shortcut_taken"
    assert [r.title for r in canned.list_replies(uow_factory(), "fr")] == [RDV.title]


def test_a_reply_is_updated_but_not_onto_another_ones_shortcut(uow_factory: UowFactory) -> None:
    made = canned.create_reply(uow_factory(), RDV)
    other = canned.create_reply(uow_factory(), CannedReplyInput("merci", "fr", "Fin", "Merci"))

    changed = canned.update_reply(
        uow_factory(), made.id, CannedReplyInput("rdv2", "fr", "Nouveau titre", "Nouveau texte")
    )
    with pytest.raises(ShortcutTaken):
        canned.update_reply(uow_factory(), other.id, CannedReplyInput("rdv2", "fr", "X", "Y"))
    with pytest.raises(UnknownCannedReply) as unknown:
        canned.update_reply(uow_factory(), 999_999, RDV)

    assert (changed.id, changed.shortcut, changed.title) == (made.id, "rdv2", "Nouveau titre")
    assert canned.get_reply(uow_factory(), other.id).shortcut == "merci"  # unchanged
    assert unknown.value.code == "unknown_canned_reply"


def test_a_deleted_reply_is_gone(uow_factory: UowFactory) -> None:
    made = canned.create_reply(uow_factory(), RDV)

    removed = canned.delete_reply(uow_factory(), made.id)

    assert removed == made
    assert canned.list_replies(uow_factory()) == []
    with pytest.raises(UnknownCannedReply):
        canned.delete_reply(uow_factory(), made.id)
    again = canned.create_reply(uow_factory(), RDV)  # the shortcut is free again
    assert again.shortcut == "rdv"


# ---- variables ------------------------------------------------------------------------


def test_empty_variables_leave_no_doubled_space_nor_a_dangling_comma() -> None:
    nobody = ReplyValues()
    camille = ReplyValues(first_name="Camille", agency="Pitlane Paris Nord")
    texts = [
        "Bonjour {prenom}, votre moto est prête.",
        "{prenom}, votre moto est prête chez {agence}.",
        "Merci {first_name} et à bientôt {prenom} !",
        "Prix {total} : {agency}",
    ]

    assert [fill(text, nobody) for text in texts] == [
        "Bonjour, votre moto est prête.",
        "Votre moto est prête chez.",
        "Merci et à bientôt !",
        "Prix {total} :",
    ]
    assert [fill(text, camille) for text in texts] == [
        "Bonjour Camille, votre moto est prête.",
        "Camille, votre moto est prête chez Pitlane Paris Nord.",
        "Merci Camille et à bientôt Camille !",
        "Prix {total} : Pitlane Paris Nord",
    ]


def _customer(
    uow_factory: UowFactory, add_conversation, name: str, language: str
) -> tuple[int, int]:
    """A conversation whose customer is `name`: (the customer's id, the conversation's)."""
    conversation_id = add_conversation("web", f"visitor-{name}", customer=name, language=language)
    with uow_factory() as uow:
        customer_id = uow.session.scalar(
            select(ChannelIdentity.customer_id).where(
                ChannelIdentity.external_id == f"visitor-{name}"
            )
        )
    return customer_id, conversation_id


def _agency(uow_factory: UowFactory, add_calendar, code: str) -> tuple[int, int]:
    """(agency id, calendar id) of a new agency named after `code`."""
    add_calendar(code)
    with uow_factory() as uow:
        agency_id = uow.session.scalar(select(Agency.id).where(Agency.code == code))
        calendar_id = uow.session.scalar(select(Calendar.id).where(Calendar.agency_id == agency_id))
        return agency_id, calendar_id


def _filled(uow_factory: UowFactory, conversation_id: int, now: datetime) -> dict[str, str]:
    return {
        reply.shortcut: reply.text
        for reply in replies_for_conversation(uow_factory(), conversation_id, now)
    }


def test_a_conversation_gets_its_languages_replies_with_first_name_and_next_agency(
    uow_factory: UowFactory, add_conversation, add_calendar, now: datetime
) -> None:
    canned.create_reply(uow_factory(), RDV)
    canned.create_reply(uow_factory(), CannedReplyInput("rdv", "en", "Slot", "Hi {first_name}"))
    customer_id, conversation_id = _customer(uow_factory, add_conversation, "Léa  Dupont", "fr")
    _, past = _agency(uow_factory, add_calendar, "lyon")
    _, upcoming = _agency(uow_factory, add_calendar, "nantes")
    with uow_factory() as uow:
        for reference, calendar_id, start in [
            ("PAST-1", past, now - timedelta(days=3)),
            ("NEXT-1", upcoming, now + timedelta(days=2)),
            ("LATER-1", past, now + timedelta(days=9)),
        ]:
            uow.session.add(
                Booking(
                    reference=reference,
                    calendar_id=calendar_id,
                    start_utc=start,
                    end_utc=start + timedelta(hours=1),
                    customer_id=customer_id,
                    channel="web",
                )
            )
        uow.commit()

    assert _filled(uow_factory, conversation_id, now) == {"rdv": "Bonjour Léa, à Nantes ?"}


def test_the_identified_vehicles_workshop_then_the_company_name_stand_for_the_agency(
    uow_factory: UowFactory, add_conversation, add_calendar, now: datetime
) -> None:
    canned.create_reply(uow_factory(), RDV)
    customer_id, conversation_id = _customer(uow_factory, add_conversation, "Hugo", "fr")
    anonymous = add_conversation("web", "visitor-anonymous", language="fr")
    agency_id, _ = _agency(uow_factory, add_calendar, "bordeaux")
    alone = _filled(uow_factory, conversation_id, now)
    nobody = _filled(uow_factory, anonymous, now)
    with uow_factory() as uow:
        write_setting(uow.session, "legal_identity", {"name": "Pitlane Motos SAS"})
        uow.commit()
    company = _filled(uow_factory, conversation_id, now)
    with uow_factory() as uow:
        vehicle = Vehicle(customer_id=customer_id, brand="Honda", model="CB500F")
        uow.session.add(vehicle)
        uow.session.flush()
        uow.session.get(Customer, customer_id).identified_vehicle_id = vehicle.id
        uow.session.add(
            RepairJob(
                agency_id=agency_id, vehicle_id=vehicle.id, customer_id=customer_id, problem="Bruit"
            )
        )
        uow.commit()
    workshop = _filled(uow_factory, conversation_id, now)

    assert alone == {"rdv": "Bonjour Hugo, à ?"}  # nothing known: no name stands in
    assert nobody == {"rdv": "Bonjour, à ?"}  # an anonymous visitor: no first name
    assert company == {"rdv": "Bonjour Hugo, à Pitlane Motos SAS ?"}
    assert workshop == {"rdv": "Bonjour Hugo, à Bordeaux ?"}


def test_the_demo_data_has_canned_replies_loaded_once(seeded_uow_factory: UowFactory) -> None:
    french = canned.list_replies(seeded_uow_factory(), "fr")
    english = canned.list_replies(seeded_uow_factory(), "en")
    with seeded_uow_factory() as uow:
        uow.session.execute(delete(CannedReply).where(CannedReply.shortcut == "merci"))
        uow.commit()
    again = ensure_demo_canned_replies(seeded_uow_factory())  # an admin's deletion holds
    with seeded_uow_factory() as uow:
        uow.session.execute(delete(CannedReply))
        uow.session.execute(delete(Setting).where(Setting.key == CANNED_LOADED))
        uow.commit()
    seeded_before = ensure_demo_canned_replies(seeded_uow_factory())

    assert len(french) == len(english) >= 4
    assert {r.shortcut for r in french} == {r.shortcut for r in english}
    assert len({r.shortcut[0] for r in french}) == len(french)  # "/" + one letter is enough
    assert again == 0
    assert seeded_before == len(french) + len(english)
    assert ensure_demo_canned_replies(seeded_uow_factory()) == 0
