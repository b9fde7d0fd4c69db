"""Vehicle information: the test-ride models a customer asks about, from the catalogue."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pytest

from actions.catalogue import ActionVehicleInfo, model_line
from core import i18n
from core.catalogue import ModelView
from core.catalogue_admin import ModelInput, create_model
from core.models import LICENCES, USAGES
from core.uow import UnitOfWork
from tests.integration.actions_kit import DOMAIN, context, message_tracker, run, said

UowFactory = Callable[[], UnitOfWork]
LINE = re.compile(r"^• .+ · (route|tout-terrain|piste|road|off-road|track) · ")


def action(uow_factory: UowFactory, now: datetime) -> ActionVehicleInfo:
    return ActionVehicleInfo(context=context(uow_factory, now))


async def test_the_models_matching_a_question_are_listed_with_the_search(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    tracker = message_tracker("vous avez quoi pour la piste ?", intent="vehicle_info")
    events, messages = await run(action(seeded_uow_factory, now), tracker)

    assert events == []
    assert messages == [
        said(
            "utter_vehicle_models",
            models="• Ducati Panigale V2 · piste · permis A · 955 cm³ · Lyon\n"
            "• Kawasaki Ninja ZX-6R · piste · permis A · 636 cm³ · Lyon\n"
            "• Yamaha YZF-R7 · piste · permis A2 · 689 cm³ · Lyon",
            search=" pour votre recherche « piste »",
        )
    ]


async def test_an_english_question_is_answered_in_english(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    tracker = message_tracker(
        "do you have electric bikes for an A2 licence?",
        intent="vehicle_info",
        slots={"language": "en"},
    )
    events, messages = await run(action(seeded_uow_factory, now), tracker)

    assert events == []
    assert messages == [
        said(
            "utter_vehicle_models",
            models="• Zero FX · off-road · A2 licence · electric · Bordeaux, Lyon",
            search=" for your search “A2 licence, electric”",
        )
    ]


async def test_a_question_without_filters_lists_six_models_and_says_how_many_more(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    tracker = message_tracker("/vehicle_info", intent="vehicle_info")
    _, [message] = await run(action(seeded_uow_factory, now), tracker)

    assert message["response"] == "utter_vehicle_models"
    assert message["search"] == ""
    lines = message["models"].split("\n")
    assert len(lines) == 7 and lines[-1] == "… et 7 autres"
    assert all(LINE.match(line) for line in lines[:6])
    assert lines[0].startswith("• BMW R 1250 RT · route · permis A · 1254 cm³")


async def test_without_a_match_it_says_so_and_offers_the_closest_models(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    tracker = message_tracker("une Harley pour la piste ?", intent="vehicle_info")
    _, [message] = await run(action(seeded_uow_factory, now), tracker)

    assert message["response"] == "utter_vehicle_models_none"
    assert message["criteria"] == "piste, Harley-Davidson"
    lines = message["models"].split("\n")
    assert lines[:3] == [
        "• Ducati Panigale V2 · piste · permis A · 955 cm³ · Lyon",
        "• Kawasaki Ninja ZX-6R · piste · permis A · 636 cm³ · Lyon",
        "• Yamaha YZF-R7 · piste · permis A2 · 689 cm³ · Lyon",
    ]
    assert len(lines) == 6


async def test_an_empty_catalogue_says_test_rides_are_still_offered(
    uow_factory: UowFactory, now: datetime
) -> None:
    tracker = message_tracker("quels modèles ?", intent="vehicle_info")
    events, messages = await run(action(uow_factory, now), tracker)
    assert events == []
    assert messages == [said("utter_vehicle_catalogue_empty")]


async def test_a_model_added_by_an_admin_is_offered_at_once(
    seeded_uow_factory: UowFactory, now: datetime
) -> None:
    create_model(
        seeded_uow_factory(),
        ModelInput(
            brand="Royal Enfield",
            model="Himalayan 450",
            usage="offroad",
            licence="A2",
            engine_cc=452,
            agencies=("bordeaux-lac",),
        ),
    )
    tracker = message_tracker("la himalayan est dispo ?", intent="vehicle_info")
    _, messages = await run(action(seeded_uow_factory, now), tracker)
    assert messages == [
        said(
            "utter_vehicle_models",
            models="• Royal Enfield Himalayan 450 · tout-terrain · permis A2 · 452 cm³ · Bordeaux",
            search=" pour votre recherche « Himalayan 450 »",
        )
    ]


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("fr", "Zero SR/F · route · permis A · électrique"),
        ("en", "Zero SR/F · road · A licence · electric"),
    ],
)
def test_an_electric_model_shows_no_engine_size(lang: str, line: str) -> None:
    view = ModelView(1, "Zero", "SR/F", "road", "A", None, True, True)
    assert model_line(view, lang) == line


def test_every_response_has_a_french_default_and_an_english_variation() -> None:
    for name in (
        "utter_vehicle_models",
        "utter_vehicle_models_none",
        "utter_vehicle_catalogue_empty",
    ):
        variations = DOMAIN["responses"][name]
        english = [v for v in variations if v.get("condition")]
        assert [c["value"] for v in english for c in v["condition"]] == ["en"], name
        assert len(variations) == 2 and "condition" not in variations[-1], name


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_usage_and_licence_of_the_catalogue_has_its_words(lang: str) -> None:
    words = i18n.messages("actions", lang)
    keys = [f"catalogue_usage_{u}" for u in USAGES] + [f"catalogue_licence_{lc}" for lc in LICENCES]
    assert [key for key in keys if key not in words] == []
