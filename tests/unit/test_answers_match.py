"""Which topic of the knowledge base a question is about (core/answers_match.py), and which
agency it names (core/answers.py): French and English, with and without accents."""

from __future__ import annotations

import pytest

from core.answers import agencies_named
from core.answers_admin import EntryInput, check_entry, parse_keywords
from core.answers_facts import AgencyFacts
from core.answers_match import (
    TopicKeywords,
    keyword_is_generic,
    match_topic,
    rank_topics,
    words,
)
from core.errors import InvalidValue

TOPICS = [
    TopicKeywords(
        "hours",
        ("horaires", "heures d'ouverture", "ouvert", "à quelle heure", "opening hours", "open"),
    ),
    TopicKeywords("address", ("adresse", "où se trouve", "où êtes-vous", "address", "where are")),
    TopicKeywords(
        "contact", ("téléphone", "adresse mail", "vous joindre", "phone", "email address")
    ),
    TopicKeywords(
        "prices", ("prix", "tarif", "combien coûte", "coûte", "how much", "price", "cost")
    ),
    TopicKeywords(
        "service_contents", ("comprend", "compris", "inclus", "service rapide", "quick service")
    ),
    TopicKeywords(
        "visit_1000",
        ("visite des 1000 km", "contrôle des 1000 km", "1000 km", "rodage", "1000 km service"),
    ),
    TopicKeywords("tips_winter", ("hiver", "hivernage", "winter")),
    TopicKeywords("tips_summer", ("en été", "l'été", "summer")),
    TopicKeywords("payment", ("paiement", "payer", "3 fois", "4 fois", "pay", "cash", "card")),
    TopicKeywords("loan_bike", ("moto de prêt", "prêtez", "loan bike", "courtesy bike")),
]


def topic(text: str) -> str | None:
    found = match_topic(text, TOPICS)
    return found.topic if found else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Quels sont vos horaires ?", "hours"),
        ("quels sont vos HORAIRES", "hours"),
        ("vous êtes ouverts le samedi ?", "hours"),
        ("vous etes ouvert le samedi", "hours"),
        ("À quelle heure vous fermez ?", "hours"),
        ("a quelle heure", "hours"),
        ("what are your opening hours?", "hours"),
        ("are you open on Sundays?", "hours"),
        ("c'est quoi le contrôle 1000 km ?", "visit_1000"),
        ("c est quoi le controle 1000 km", "visit_1000"),
        ("c'est quoi le contrôle des 1 000 km ?", "visit_1000"),
        ("la visite des 1000km c'est obligatoire ?", "visit_1000"),
        ("what is the 1000 km service?", "visit_1000"),
        ("combien coûte une vidange ?", "prices"),
        ("COMBIEN COUTE UNE VIDANGE", "prices"),
        ("how much for new tyres?", "prices"),
        ("qu'est-ce qui est compris dans le service rapide ?", "service_contents"),
        ("what does the quick service include?", "service_contents"),
        ("où êtes-vous ?", "address"),
        ("ou etes vous", "address"),
        ("where are you?", "address"),
        ("quelle est votre adresse mail ?", "contact"),
        ("je peux payer en 4 fois ?", "payment"),
        ("can I pay cash?", "payment"),
        ("vous avez des motos de prêt ?", "loan_bike"),
        ("vous pretez des motos pendant la reparation ?", "loan_bike"),
        ("do you have a courtesy bike?", "loan_bike"),
        ("comment préparer ma moto pour l'hiver", "tips_winter"),
        ("des conseils pour l'été ?", "tips_summer"),
        ("any summer tips?", "tips_summer"),
    ],
)
def test_a_question_finds_its_topic_in_french_and_english(text: str, expected: str) -> None:
    assert topic(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "la couleur de la MT-07 ?",
        "bonjour",
        "c'est quoi ?",
        "",
        "   ",
        "what is it?",
        "ma moto a été révisée l'an dernier",  # "a été" is not the summer
        "je suis prêt",  # "prêt" alone is "ready", not a loan
    ],
)
def test_nothing_matches_a_question_without_a_topic_word(text: str) -> None:
    assert topic(text) is None


def test_the_most_specific_topic_wins_over_a_generic_word() -> None:
    # "combien coûte" names the price, "visite des 1000 km" the visit: the longer keyword
    # of the rarer words wins, and its answer gives the price
    ranked = rank_topics("combien coûte la visite des 1000 km ?", TOPICS)
    assert [m.topic for m in ranked] == ["visit_1000", "prices"]
    assert ranked[0].keywords == ("visite des 1000 km",)
    assert ranked[0].score > ranked[1].score


def test_a_word_used_by_two_topics_says_less_than_a_word_of_one() -> None:
    # "adresse" is in address and contact ("adresse mail"): the mail address is contact
    assert topic("votre adresse mail svp") == "contact"
    assert topic("votre adresse svp") == "address"


def test_small_words_may_sit_between_the_words_of_a_keyword() -> None:
    assert topic("la visite 1000 km") == "visit_1000"
    assert topic("la visite de mes 1000 km") == "visit_1000"
    # but not a significant word in between
    assert rank_topics("visite rapide des 1000 km", TOPICS)[0].keywords == ("1000 km",)


def test_a_close_misspelling_of_a_long_word_still_matches_for_a_little_less() -> None:
    exact = match_topic("vos horaires ?", TOPICS)
    typo = match_topic("vos horraires ?", TOPICS)
    assert exact is not None and typo is not None
    assert typo.topic == "hours" and typo.score < exact.score
    assert topic("payement en 3 fois") == "payment"
    assert topic("vos prux") is None  # short words must be exact


def test_words_are_compared_without_accents_case_or_plural() -> None:
    assert words("Les HORAIRES d'été") == ["les", "horaire", "d", "ete"]
    assert words("1 000 km, 1000km, 1.000 kms") == ["1000", "km"] * 3
    assert words("Vous êtes") == ["vou", "etes"]  # "êtes" is not "été"
    assert words("des pneus") == words("des pneu")


def test_a_keyword_of_small_words_only_is_generic() -> None:
    assert keyword_is_generic("c'est quoi")
    assert keyword_is_generic("what is it")
    assert not keyword_is_generic("combien")
    assert not keyword_is_generic("où êtes-vous")


def test_the_admins_input_is_cleaned_and_checked() -> None:
    cleaned = check_entry(
        EntryInput(
            topic=" Parking ",
            keywords=parse_keywords("parking,  stationner \n Parkings ; where to park"),
            answer_fr="  Parking gratuit.  ",
            answer_en="Free parking.",
            agency=" ",
        )
    )
    assert cleaned.topic == "parking"
    assert cleaned.keywords == ("parking", "stationner", "where to park")  # plural = same
    assert (cleaned.answer_fr, cleaned.agency) == ("Parking gratuit.", None)


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        (EntryInput("Horaires d'été", ("été",), "a", "b"), "invalid_topic"),
        (EntryInput("parking", (), "a", "b"), "no_keywords"),
        (EntryInput("parking", ("c'est quoi",), "a", "b"), "keyword_too_generic"),
        (EntryInput("parking", ("x" * 61,), "a", "b"), "keyword_too_long"),
        (EntryInput("parking", tuple(f"mot{i}" for i in range(41)), "a", "b"), "too_many_keywords"),
        (EntryInput("parking", ("parking",), "", "Free parking."), "empty_answer_fr"),
        (EntryInput("parking", ("parking",), "Parking gratuit.", None), "empty_answer_en"),
        (EntryInput("parking", ("parking",), "x" * 1001, "b"), "answer_too_long"),
    ],
)
def test_a_wrong_entry_is_refused_with_its_reason(entry: EntryInput, code: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        check_entry(entry)
    assert refused.value.code == code


def test_a_computed_topic_needs_no_text_of_its_own() -> None:
    assert check_entry(EntryInput("hours", ("horaires",))).answer_fr is None


def agency(code: str, name: str, city: str) -> AgencyFacts:
    return AgencyFacts(code, name, "1 rue X", "75001", city, "+33 1 00 00 00 00", "a@b.example")


AGENCIES = [
    agency("bordeaux-lac", "Pitlane Bordeaux Lac", "Bordeaux"),
    agency("lyon-gerland", "Pitlane Lyon Gerland", "Lyon"),
    agency("paris-nord", "Pitlane Paris Nord", "Paris"),
    agency("paris-sud", "Pitlane Paris Sud", "Paris"),
]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("horaires de Lyon ?", ["lyon-gerland"]),
        ("vous êtes ouverts à GERLAND ?", ["lyon-gerland"]),
        ("l'agence de bordeaux", ["bordeaux-lac"]),
        ("horaires de Paris Nord", ["paris-nord"]),
        ("hours in paris-sud?", ["paris-sud"]),
        ("vos agences à Paris", ["paris-nord", "paris-sud"]),  # the city: both
        ("vos horaires ?", []),
        ("pitlane", []),  # the brand names no agency
    ],
)
def test_the_agency_a_question_names_is_found(text: str, codes: list[str]) -> None:
    assert [a.code for a in agencies_named(text, AGENCIES)] == codes
