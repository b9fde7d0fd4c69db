"""Questions answered from the knowledge base, inside a form or outside one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from actions.answers import ActionAnswerQuestion
from core.answers_admin import EntryInput, create_entry
from core.uow import UnitOfWork
from tests.integration.actions_kit import DOMAIN, context, form_tracker, message_tracker, run, said

UowFactory = Callable[[], UnitOfWork]


def action(uow_factory: UowFactory, now: datetime) -> ActionAnswerQuestion:
    return ActionAnswerQuestion(context=context(uow_factory, now))


async def test_a_question_is_answered_from_the_knowledge_base(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    tracker = message_tracker("c'est quoi le contrôle 1000 km ?", intent="ask_question")
    events, messages = await run(action(seeded_uow_factory, now), tracker)

    assert events == []
    [message] = messages
    assert message["response"] == "utter_kb_answer"
    assert message["answer"].startswith(
        "La visite des 1000 km se fait entre 500 et 1\u202f500 km, sur une moto de moins d'un an."
    )
    assert "129 €" in message["answer"]


async def test_the_answer_is_in_the_conversations_language(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    tracker = message_tracker(
        "can I pay in 3 instalments?", intent="ask_question", slots={"language": "en"}
    )
    events, messages = await run(action(seeded_uow_factory, now), tracker)

    assert events == []
    assert messages == [
        said(
            "utter_kb_answer",
            answer="You can pay by card (CB, Visa, Mastercard), in cash (up to €1,000), by bank "
            "transfer, or in 3 or 4 instalments without fees by card from €150 (subject to "
            "approval).",
        )
    ]


async def test_the_hours_are_those_of_the_conversations_agency(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    tracker = message_tracker(
        "vous êtes ouverts le samedi ?", intent="ask_question", slots={"agency": "paris-nord"}
    )
    _, [message] = await run(action(seeded_uow_factory, now), tracker)

    assert message["answer"].splitlines() == [
        "Horaires de Pitlane Paris Nord (48 boulevard de la Chapelle, 75018 Paris) :",
        "• Atelier : lun.–ven. 9h–12h et 14h–18h ; sam. 9h–12h",
        "• Essai routier : mar.–ven. 10h–12h et 14h–18h ; sam. 9h–12h et 14h–17h",
        "Toutes les agences sont fermées les jours fériés.",
    ]


async def test_an_agency_named_in_the_question_wins_over_the_slot(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    tracker = message_tracker(
        "une moto de prêt à Bordeaux ?", intent="ask_question", slots={"agency": "paris-nord"}
    )
    _, [message] = await run(action(seeded_uow_factory, now), tracker)
    assert message["answer"].startswith("Pitlane Bordeaux Lac n'a pas de véhicule de prêt")


async def test_inside_a_form_the_question_is_answered_and_nothing_changes(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    """No event: no slot is touched and the loop is not left, so the form asks its question
    again (the rules run the form after this action)."""
    tracker = form_tracker(
        "booking_form",
        slots={"agency": "lyon-gerland", "service": "road_test"},
        requested="slot_choice",
        text="combien coûte une vidange ?",
        intent="ask_question",
    )
    events, [message, back] = await run(action(seeded_uow_factory, now), tracker)

    assert events == []
    assert message["response"] == "utter_kb_answer"
    assert "Vidange avec filtre à huile (service rapide) : à partir de 89 €" in message["answer"]
    assert back == said("utter_back_to_question")


async def test_a_slot_holding_typed_text_is_no_agency(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    tracker = message_tracker("vos horaires ?", intent="ask_question", slots={"agency": "euh"})
    _, [message] = await run(action(seeded_uow_factory, now), tracker)
    assert message["answer"].startswith("Horaires de l'atelier :")


async def test_without_an_answer_the_contact_and_an_advisor_are_offered(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    tracker = message_tracker("la MT-07 existe en rouge ?", intent="ask_question")
    events, messages = await run(action(seeded_uow_factory, now), tracker)
    assert events == []
    assert messages == [said("utter_kb_no_answer")]


async def test_an_empty_knowledge_base_answers_nothing(
    uow_factory: UowFactory, now: datetime
) -> None:
    tracker = message_tracker("vos horaires ?", intent="ask_question")
    _, messages = await run(action(uow_factory, now), tracker)
    assert messages == [said("utter_kb_no_answer")]


async def test_an_answer_added_by_an_admin_is_used_at_once(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    create_entry(
        seeded_uow_factory(),
        EntryInput(
            "warranty",
            ("garantie", "warranty"),
            "Nos réparations sont garanties un an, pièces et main-d'œuvre.",
            "Our repairs have a one-year warranty, parts and labour.",
        ),
    )
    tracker = message_tracker("la réparation est garantie ?", intent="ask_question")
    _, messages = await run(action(seeded_uow_factory, now), tracker)
    assert messages == [
        said(
            "utter_kb_answer",
            answer="Nos réparations sont garanties un an, pièces et main-d'œuvre.",
        )
    ]


def test_the_no_answer_response_offers_the_contact_details_and_an_advisor() -> None:
    for variation in DOMAIN["responses"]["utter_kb_no_answer"]:
        payloads = [button["payload"] for button in variation["buttons"]]
        assert payloads == ["/contact_info", "/ask_advisor"]
    assert {"contact_info", "ask_advisor"} <= set(DOMAIN["intents"])


def test_every_response_has_a_french_default_and_an_english_variation() -> None:
    for name in ("utter_kb_answer", "utter_kb_no_answer"):
        variations = DOMAIN["responses"][name]
        english = [v for v in variations if v.get("condition")]
        assert [c["value"] for v in english for c in v["condition"]] == ["en"], name
        assert len(variations) == 2 and "condition" not in variations[-1], name
    assert "action_answer_question" in DOMAIN["actions"]
