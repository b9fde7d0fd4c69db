"""What the model sees of a message: the normalising tokenizer's words and the values the
regex entity extractor takes out of sentences (rasa_project/pitlane_nlu, data/nlu/regex.yml).
"""

from __future__ import annotations

import re

import pytest
import yaml

from rasa_project.pitlane_nlu.text import normalise_word, strip_accents
from tests.dialogue_files import PROJECT

ENTITIES = ("plate", "vin", "quote_number", "mileage", "year")


def patterns() -> dict[str, list[re.Pattern[str]]]:
    """The regexes RegexEntityExtractor uses (case-sensitive, as config.yml says)."""
    data = yaml.safe_load((PROJECT / "data" / "nlu" / "regex.yml").read_text(encoding="utf-8"))
    found: dict[str, list[re.Pattern[str]]] = {}
    for item in data["nlu"]:
        if item.get("regex") in ENTITIES:
            lines = [line.strip()[2:] for line in item["examples"].splitlines() if line.strip()]
            found[item["regex"]] = [re.compile(line) for line in lines]
    return found


PATTERNS = patterns()


def extracted(text: str) -> list[tuple[str, str]]:
    return sorted(
        (name, match.group())
        for name, compiled in PATTERNS.items()
        for pattern in compiled
        for match in pattern.finditer(text)
    )


@pytest.mark.parametrize(
    ("word", "words"),
    [
        ("Révision", ["revision"]),
        ("ÉTÉ", ["ete"]),
        ("rdv", ["rendez", "vous"]),
        ("jsuis", ["je", "suis"]),
        ("1000km", ["0000", "km"]),
        ("12K", ["00", "k"]),
        ("2019", ["0000"]),
        ("pls", ["please"]),
        ("ct", ["controle", "technique"]),
    ],
)
def test_a_typed_word_is_normalised_the_same_way_however_it_is_typed(word, words) -> None:
    assert normalise_word(word) == words


def test_accents_and_ligatures_are_folded() -> None:
    assert strip_accents("réparé à Besançon, ﬁltre") == "repare a Besancon, filtre"


def test_every_entity_has_a_pattern() -> None:
    assert set(PATTERNS) == set(ENTITIES)


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("GH-789-KL", [("plate", "GH-789-KL")]),
        ("ma plaque c'est gh789kl", [("plate", "gh789kl")]),
        ("EV.882.RC avec des points", [("plate", "EV.882.RC")]),
        ("ancienne plaque 1234 AB 56", [("plate", "1234 AB 56")]),
        ("vin ZDM1RBBW5KB012345", [("vin", "ZDM1RBBW5KB012345")]),
        ("le devis numéro D-77120", [("quote_number", "D-77120")]),
        ("devis DEV-2026-0047 validé", [("quote_number", "DEV-2026-0047")]),
        ("about quote 88-019", [("quote_number", "88-019")]),
        ("estimate number EST-4410", [("quote_number", "EST-4410")]),
        ("Golf 7 de 2013, 150 000 km", [("mileage", "150 000 km"), ("year", "2013")]),
        ("ma 2018 a 23000km.", [("mileage", "23000km"), ("year", "2018")]),
        ("12k environ", [("mileage", "12k")]),
        ("20.000 bornes", [("mileage", "20.000 bornes")]),
        ("vers les 8500 km", [("mileage", "8500 km")]),
        ("ab 321 cd", [("plate", "ab 321 cd")]),
        ("ma plaque ab 321 cd merci", [("plate", "ab 321 cd")]),
        ("plate: 4321 cd 69", [("plate", "4321 cd 69")]),
        ("Devis n°5521 reçu", [("quote_number", "5521")]),
        ("devis N° 5521", [("quote_number", "5521")]),
        ("DEVIS 2025-0078", [("quote_number", "2025-0078")]),
        ("quote #7731", [("quote_number", "7731")]),
        ("my quote ref 12-345", [("quote_number", "12-345")]),
        ("devis D55120", [("quote_number", "D55120")]),
    ],
)
def test_values_are_found_inside_sentences(text, values) -> None:
    assert extracted(text) == sorted(values)


@pytest.mark.parametrize(
    "text",
    [
        "rdv visite 1000km svp",  # the service's name, not a mileage
        "je veux un rdv 1000km",
        "la revision 1 000 km",
        "book the 1000 km one",
        "faire les 1000 km",
        "ma Z1000 fait du bruit",  # models, not quotes
        "une GSXR1000",
        "la K1600 GT",
        "S1000 RR",
        "une moto de 125 cc",  # not plates
        "la 125 cc",
        "la visite des 1 000 km",
        "ma MT-07 roule bien",  # a model, not a quote
        "une R 1250 GS",
        "le 15/06/2024",  # a date's year is no year entity
        "vendue 2000 €",
        "pas plus de 110 km/h",  # a speed
        "de 150 mètres",
        "06 12 34 56 78",
    ],
)
def test_look_alikes_are_not_taken_for_values(text) -> None:
    assert extracted(text) == []
