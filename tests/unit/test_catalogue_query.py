"""What a customer's question about the test-ride models asks for (core/catalogue.py)."""

from __future__ import annotations

import pytest

from core.catalogue import ModelQuery, ModelView, matches, name_key, query_from_text

CATALOGUE_BRANDS = ["Yamaha", "Kawasaki", "Zero", "KTM"]
CATALOGUE_MODELS = ["MT-07", "Z650", "SR/F", "690 Enduro R", "Ténéré 700", "CB750 Hornet"]


def query(text: str) -> ModelQuery:
    return query_from_text(text, CATALOGUE_BRANDS, CATALOGUE_MODELS)


@pytest.mark.parametrize(
    ("text", "usages"),
    [
        ("vous avez des roadsters à l'essai ?", {"road"}),
        ("une moto pour la route et la ville", {"road"}),
        ("un essai routier", {"road"}),
        ("a naked bike for the city", {"road"}),
        ("quels trails avez-vous ?", {"offroad"}),
        ("je fais de l'enduro", {"offroad"}),
        ("une moto de cross", {"offroad"}),
        ("du tout-terrain", {"offroad"}),
        ("du tout terrain", {"offroad"}),
        ("une moto hors route", {"offroad"}),
        ("off-road bikes?", {"offroad"}),
        ("pour la piste", {"sport"}),
        ("je roule sur circuit", {"sport"}),
        ("something for the track", {"sport"}),
        ("une sportive", {"sport"}),
        ("I'd like to test ride a sports bike", {"sport"}),
        ("roadster ou trail", {"road", "offroad"}),
        ("quels modèles avez-vous à l'essai ?", set()),
    ],
)
def test_the_riding_usage_is_read_from_the_words(text: str, usages: set[str]) -> None:
    assert query(text).usages == usages


@pytest.mark.parametrize(
    "text",
    [
        "vous avez quoi comme modèles A2 ?",
        "compatible permis A2",
        "je suis jeune permis",
        "JEUNE PERMIS",
        "any bikes for an A2 licence?",
        "I'm a beginner",
        "débutant, qu'est-ce que je peux essayer ?",
    ],
)
def test_an_a2_licence_is_understood(text: str) -> None:
    assert query(text).licence == "A2"


@pytest.mark.parametrize("text", ["j'ai le permis A", "un roadster", "do you have a 2024 model?"])
def test_no_licence_filter_without_a_word_for_it(text: str) -> None:
    assert query(text).licence is None


@pytest.mark.parametrize(
    ("text", "electric"),
    [
        ("vous avez des motos électriques ?", True),
        ("une moto electrique", True),
        ("ÉLECTRIQUE", True),
        ("do you sell electric bikes?", True),
        ("any EV to try?", True),
        ("zéro émission en ville", True),
        ("plutôt thermique", False),
        ("a petrol bike", False),
        ("électrique ou thermique, peu importe", None),
        ("un trail", None),
    ],
)
def test_electric_or_not_is_read_from_the_words(text: str, electric: bool | None) -> None:
    assert query(text).electric is electric


@pytest.mark.parametrize(
    ("text", "brands"),
    [
        ("vous avez des Yamaha ?", {"Yamaha"}),
        ("des yamaha a l'essai", {"Yamaha"}),
        ("une kawa pour la piste", {"Kawasaki"}),
        ("KTM ou Kawasaki ?", {"KTM", "Kawasaki"}),
        ("une Ducati ?", {"Ducati"}),  # a known brand the catalogue does not have
        ("harley davidson", {"Harley-Davidson"}),
        ("Zero SR/F", {"Zero"}),
        ("zéro émission", set()),  # a word, not the brand
        ("zero km au compteur", set()),
        ("quelles marques avez-vous ?", set()),
    ],
)
def test_brands_are_found_without_case_or_accents(text: str, brands: set[str]) -> None:
    assert query(text).brands == brands


@pytest.mark.parametrize(
    ("text", "models"),
    [
        ("la MT-07 est dispo ?", {"MT-07"}),
        ("la mt07", {"MT-07"}),
        ("une mt 07", {"MT-07"}),
        ("la srf", {"SR/F"}),
        ("la Ténéré", {"Ténéré 700"}),  # a word no other model has
        ("la tenere 700", {"Ténéré 700"}),
        ("la hornet", {"CB750 Hornet"}),
        ("un enduro", set()),  # the usage, not the 690 Enduro R
    ],
)
def test_models_are_found_by_name_or_by_a_word_of_their_own(text: str, models: set[str]) -> None:
    assert query(text).models == models


def test_filters_combine() -> None:
    found = query("Un trail électrique pour jeune permis, chez Zero ?")
    assert found == ModelQuery(
        usages=frozenset({"offroad"}),
        licence="A2",
        electric=True,
        brands=frozenset({"Zero"}),
    )
    assert not found.is_empty
    assert query("bonjour").is_empty


def test_a_model_matches_when_it_meets_every_filter() -> None:
    fx = ModelView(1, "Zero", "FX", "offroad", "A2", None, True, True)
    assert matches(fx, ModelQuery())
    assert matches(fx, query("trail électrique A2"))
    assert matches(fx, query("une Zero ?"))
    assert not matches(fx, query("trail thermique"))
    assert not matches(fx, query("route ou piste"))
    assert matches(fx, query("route ou trail"))


def test_names_are_compared_loosely() -> None:
    assert name_key("Harley Davidson") == name_key("harley-davidson")
    assert name_key("Ténéré 700") == name_key("TENERE700")
