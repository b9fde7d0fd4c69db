"""The knowledge base in the database (SQLite and PostgreSQL): the demo answers, the hours
computed from the service settings, the agencies' own answers and the admins' changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from core.answers import find_answer, get_entry, list_entries
from core.answers_admin import (
    EntryInput,
    create_entry,
    delete_entry,
    set_entry_active,
    update_entry,
)
from core.answers_tables import AnswerEntry
from core.errors import Conflict, InvalidValue, NotFound
from core.models import Agency, RepairJob
from core.seed import ensure_demo_answers
from core.service_settings import CalendarSettings, apply_settings, get_settings
from core.settings_store import write_setting
from core.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
TODAY = date(2025, 11, 19)  # the `now` fixture's local day, a Wednesday
PARKING = EntryInput(
    topic="parking",
    keywords=("parking", "se garer", "where to park"),
    answer_fr="Parking gratuit devant l'agence.",
    answer_en="Free parking in front of the agency.",
)


def answer(uow_factory: UowFactory, text: str, language: str = "fr", agency: str | None = None):
    return find_answer(uow_factory(), text, language, agency, today=TODAY)


def test_the_demo_knowledge_base_answers_every_topic(seeded_uow_factory: UowFactory) -> None:
    entries = list_entries(seeded_uow_factory())
    topics = [entry.topic for entry in entries]
    assert topics[:3] == ["hours", "address", "contact"]
    assert {"prices", "service_contents", "visit_1000", "seasonal_tips", "payment"} <= set(topics)
    assert {"tips_winter", "tips_spring", "tips_summer", "tips_autumn", "loan_bike"} <= set(topics)
    assert all(entry.active for entry in entries)
    bordeaux = [entry for entry in entries if entry.agency_code == "bordeaux-lac"]
    assert [entry.topic for entry in bordeaux] == ["loan_bike"]
    for text, language, topic in [
        ("Quels sont vos horaires ?", "fr", "hours"),
        ("c'est quoi le contrôle 1000 km ?", "fr", "visit_1000"),
        ("c est quoi le controle des 1 000 km", "fr", "visit_1000"),
        ("combien coûte une vidange ?", "fr", "prices"),
        ("how much is a chain kit?", "en", "prices"),
        ("qu'est-ce qui est compris dans le service rapide ?", "fr", "service_contents"),
        ("je peux payer en 4 fois sans frais ?", "fr", "payment"),
        ("can I pay by bank transfer?", "en", "payment"),
        ("vous prêtez une moto pendant les réparations ?", "fr", "loan_bike"),
        ("where are you located?", "en", "address"),
        ("des conseils pour l'hiver ?", "fr", "tips_winter"),
        ("any summer tips?", "en", "tips_summer"),
    ]:
        found = answer(seeded_uow_factory, text, language)
        assert found is not None and found.topic == topic, text


def test_a_question_without_an_answer_gets_none(seeded_uow_factory: UowFactory) -> None:
    assert answer(seeded_uow_factory, "la MT-07 existe en rouge ?") is None
    assert answer(seeded_uow_factory, "bonjour") is None
    assert answer(seeded_uow_factory, "") is None


def test_the_answer_is_in_the_language_asked(seeded_uow_factory: UowFactory) -> None:
    french = answer(seeded_uow_factory, "combien coûte une vidange ?", "fr")
    english = answer(seeded_uow_factory, "combien coûte une vidange ?", "en")
    assert french is not None and english is not None
    assert "Vidange avec filtre à huile (service rapide) : à partir de 89 €" in french.text
    assert "Oil and oil filter change (quick service): from €89" in english.text
    assert french.entry_id == english.entry_id


def test_the_hours_of_an_agency_are_computed_from_its_service_settings(
    seeded_uow_factory: UowFactory,
) -> None:
    found = answer(seeded_uow_factory, "horaires des essais à Lyon ?")

    assert found is not None and (found.topic, found.agency_code) == ("hours", "lyon-gerland")
    assert found.text.splitlines() == [
        "Horaires de Pitlane Lyon Gerland (15 avenue Tony Garnier, 69007 Lyon) :",
        "• Atelier : lun.–ven. 9h–12h et 14h–18h ; sam. 9h–12h",
        "• Essai routier : mar.–ven. 10h–12h et 14h–18h ; sam. 9h–12h et 14h–17h",
        "• Essai tout-terrain : mer. 9h–13h et 14h–18h ; sam. 9h–13h et 14h–18h ; dim. 9h–13h",
        "• Essai sur piste : ven.–dim. 9h–12h et 14h–17h",
        "Toutes les agences sont fermées les jours fériés.",  # the entry's own text
    ]


def test_an_admins_change_of_the_hours_is_answered_at_once(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    current = get_settings(seeded_uow_factory(), "paris-nord", "road_test", TODAY)
    saturday_only = {"sat": [["09:30", "13:00"]]}
    apply_settings(
        seeded_uow_factory(),
        "paris-nord",
        "road_test",
        CalendarSettings(
            current.capacity,
            current.staff_count,
            current.slot_minutes,
            saturday_only,
            [date(2025, 11, 22)],
        ),
        now,
        conflicts="keep",
    )
    found = answer(seeded_uow_factory, "what time do you open?", "en", agency="paris-nord")

    assert found is not None and found.agency_code == "paris-nord"
    assert found.text.splitlines()[2] == (
        "• Road test ride: Sat 9:30–13:00 (exceptionally closed on Sat 22 Nov)"
    )


def test_without_an_agency_every_agencys_workshop_hours_are_given(
    seeded_uow_factory: UowFactory,
) -> None:
    found = answer(seeded_uow_factory, "vous êtes ouverts quand ?")

    assert found is not None and found.agency_code is None
    lines = found.text.splitlines()
    assert lines[0] == "Horaires de l'atelier :"
    assert lines[1:4] == [
        f"• Pitlane {name} : lun.–ven. 9h–12h et 14h–18h ; sam. 9h–12h"
        for name in ("Bordeaux Lac", "Lyon Gerland", "Paris Nord")
    ]


def test_the_conversations_agency_is_used_unless_the_question_names_another(
    seeded_uow_factory: UowFactory,
) -> None:
    own = answer(seeded_uow_factory, "quelle est votre adresse ?", agency="paris-nord")
    named = answer(seeded_uow_factory, "l'adresse de Bordeaux ?", agency="paris-nord")

    assert own is not None and own.text.startswith("• Pitlane Paris Nord : 48 boulevard")
    assert named is not None and named.agency_code == "bordeaux-lac"
    assert named.text.startswith("• Pitlane Bordeaux Lac : 8 rue du Professeur Lavignolle")


def test_an_agencys_own_answer_is_preferred_for_that_agency(
    seeded_uow_factory: UowFactory,
) -> None:
    general = answer(seeded_uow_factory, "do you have a loan bike?", "en")
    bordeaux = answer(seeded_uow_factory, "do you have a loan bike?", "en", agency="bordeaux-lac")
    lyon = answer(seeded_uow_factory, "une moto de prêt à Lyon ?")

    assert general is not None and general.text.startswith("When your bike stays")
    assert bordeaux is not None and bordeaux.text.startswith("Pitlane Bordeaux Lac has no loan")
    assert lyon is not None and lyon.text.startswith("Quand la moto reste à l'atelier")
    assert bordeaux.entry_id != general.entry_id == lyon.entry_id


def test_the_1000_km_visit_is_explained_with_the_groups_rule(
    seeded_uow_factory: UowFactory,
) -> None:
    with seeded_uow_factory() as uow:
        write_setting(uow.session, "rule.visit_1000", {"min_km": 800, "max_km": 1200})
        uow.commit()
    found = answer(seeded_uow_factory, "c'est quoi la visite des 1000 km ?")

    assert found is not None
    assert found.text.startswith(
        "La visite des 1000 km se fait entre 800 et 1\u202f200 km, sur une moto de moins d'un an.\n"
        "C'est la première révision d'une moto neuve"
    )


def test_tips_follow_the_season_asked_or_the_season_of_the_day(
    seeded_uow_factory: UowFactory,
) -> None:
    november = find_answer(seeded_uow_factory(), "des conseils ?", "fr", today=TODAY)
    april = find_answer(seeded_uow_factory(), "des conseils ?", "fr", today=date(2026, 4, 2))
    undated = find_answer(seeded_uow_factory(), "des conseils ?", "fr")
    winter = find_answer(seeded_uow_factory(), "tips for the winter?", "en", today=TODAY)

    assert november is not None and november.topic == "tips_autumn"
    assert april is not None and april.topic == "tips_spring"
    assert undated is not None and undated.topic == "seasonal_tips"
    assert undated.text.startswith("Je peux vous donner des conseils")
    assert winter is not None and winter.text.startswith("Winter tips:")


def test_an_admin_adds_edits_deactivates_and_deletes_an_entry(
    seeded_uow_factory: UowFactory,
) -> None:
    created = create_entry(seeded_uow_factory(), PARKING)
    asked = answer(seeded_uow_factory, "on peut se garer ?")
    assert asked is not None and asked.text == "Parking gratuit devant l'agence."

    lyon = create_entry(
        seeded_uow_factory(),
        EntryInput(
            "parking",
            ("parking",),
            "Parking souterrain, 2 h offertes.",
            "Underground car park, 2 hours free.",
            agency="lyon-gerland",
        ),
    )
    assert (lyon.agency_code, lyon.agency_name) == ("lyon-gerland", "Pitlane Lyon Gerland")
    in_lyon = answer(seeded_uow_factory, "where to park in Lyon?", "en")
    assert in_lyon is not None and in_lyon.text == "Underground car park, 2 hours free."

    edited = update_entry(
        seeded_uow_factory(), created.id, EntryInput(**{**PARKING.__dict__, "keywords": ("garer",)})
    )
    assert edited.keywords == ("garer",)
    assert set_entry_active(seeded_uow_factory(), created.id, False).active is False
    assert answer(seeded_uow_factory, "on peut se garer ?") is None  # inactive: not used
    in_paris = answer(seeded_uow_factory, "parking ?", agency="paris-nord")
    assert in_paris is not None and in_paris.text.startswith("• Pitlane Lyon Gerland : ")

    removed = delete_entry(seeded_uow_factory(), created.id)
    assert removed.topic == "parking"
    with pytest.raises(NotFound) as gone:
        get_entry(seeded_uow_factory(), created.id)
    assert gone.value.code == "unknown_entry"


def test_a_second_entry_for_a_topic_and_agency_is_refused(seeded_uow_factory: UowFactory) -> None:
    with pytest.raises(Conflict) as general:
        create_entry(seeded_uow_factory(), EntryInput("hours", ("horaires",)))
    with pytest.raises(Conflict) as agency:
        create_entry(
            seeded_uow_factory(),
            EntryInput("loan_bike", ("prêt",), "a", "b", agency="bordeaux-lac"),
        )
    with pytest.raises(InvalidValue) as unknown:
        create_entry(seeded_uow_factory(), EntryInput("parking", ("x1",), "a", "b", agency="nice"))
    assert general.value.code == agency.value.code == "entry_exists"
    assert unknown.value.code == "unknown_agency"


def test_the_database_holds_one_group_entry_per_topic(seeded_uow_factory: UowFactory) -> None:
    """Two admins adding the same entry at once: the partial unique index refuses the second."""
    with seeded_uow_factory() as uow, pytest.raises(IntegrityError):
        uow.session.add(AnswerEntry(topic="hours", keywords="horaires", active=True))
        uow.session.flush()
    with seeded_uow_factory() as uow, pytest.raises(IntegrityError):
        bordeaux = uow.session.scalar(select(Agency.id).where(Agency.code == "bordeaux-lac"))
        uow.session.add(
            AnswerEntry(topic="loan_bike", agency_id=bordeaux, keywords="prêt", active=True)
        )
        uow.session.flush()


def test_deleting_an_agency_deletes_its_own_answers(seeded_uow_factory: UowFactory) -> None:
    with seeded_uow_factory() as uow:
        bordeaux = uow.session.scalar(select(Agency).where(Agency.code == "bordeaux-lac"))
        # an agency's repair jobs keep it (RESTRICT): the demo's go first
        uow.session.execute(delete(RepairJob).where(RepairJob.agency_id == bordeaux.id))
        uow.session.delete(bordeaux)
        uow.commit()
    assert all(entry.agency_code is None for entry in list_entries(seeded_uow_factory()))


def test_a_database_seeded_before_the_knowledge_base_gets_it_once(
    seeded_uow_factory: UowFactory,
) -> None:
    with seeded_uow_factory() as uow:
        uow.session.query(AnswerEntry).delete()
        uow.session.execute(
            AnswerEntry.metadata.tables["settings"]
            .delete()
            .where(AnswerEntry.metadata.tables["settings"].c.key == "answers.demo_loaded")
        )
        uow.commit()
    assert ensure_demo_answers(seeded_uow_factory()) == 14
    assert ensure_demo_answers(seeded_uow_factory()) == 0  # loaded once
    with seeded_uow_factory() as uow:
        uow.session.query(AnswerEntry).delete()  # an admin deleted them all
        uow.commit()
    assert ensure_demo_answers(seeded_uow_factory()) == 0
    with seeded_uow_factory() as uow:
        assert uow.session.scalar(select(func.count()).select_from(AnswerEntry)) == 0


def test_an_empty_database_has_no_answer(uow_factory: UowFactory) -> None:
    assert answer(uow_factory, "vos horaires ?") is None
    assert ensure_demo_answers(uow_factory()) == 0  # no agency: nothing to load into
