"""The test-ride catalogue in the database (SQLite and PostgreSQL): the demo models, the
search, and the admins' changes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.exc import IntegrityError

from core.catalogue import (
    ModelQuery,
    catalogue_names,
    find_models,
    get_model,
    list_models,
    query_from_text,
    search_catalogue,
    suggest_models,
)
from core.catalogue_admin import (
    ModelInput,
    create_model,
    delete_model,
    set_model_active,
    update_model,
)
from core.catalogue_tables import RideModel
from core.errors import Conflict, InvalidValue, NotFound
from core.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
NEW_MODEL = ModelInput(
    brand="  Royal   Enfield ",
    model="Himalayan 450",
    usage="offroad",
    licence="a2",
    engine_cc=452,
    description_fr="Trail simple et robuste.",
    description_en="",
    agencies=("bordeaux-lac", "lyon-gerland"),
)


def searched(uow_factory: UowFactory, text: str) -> list[str]:
    brands, models = catalogue_names(uow_factory())
    return [view.name for view in find_models(uow_factory(), query_from_text(text, brands, models))]


def test_every_active_demo_model_is_found_by_brand_and_model(seeded_uow_factory) -> None:
    found = find_models(seeded_uow_factory(), ModelQuery())

    names = [view.name for view in found]
    assert len(names) == 13 and "Suzuki SV650" not in names  # retired from the fleet
    assert names[:3] == ["BMW R 1250 RT", "Ducati Panigale V2", "Honda CB750 Hornet"]
    assert names[-2:] == ["Zero FX", "Zero SR/F"]
    mt07 = next(view for view in found if view.model == "MT-07")
    assert (mt07.usage, mt07.licence, mt07.engine_cc, mt07.electric) == ("road", "A2", 689, False)
    assert [agency.name for agency in mt07.agencies] == [
        "Pitlane Bordeaux Lac",
        "Pitlane Lyon Gerland",
        "Pitlane Paris Nord",
    ]
    assert sum(view.electric and view.engine_cc is None for view in found) >= 2


def test_a_customers_question_finds_the_matching_models(seeded_uow_factory) -> None:
    assert searched(seeded_uow_factory, "des motos pour la piste ?") == [
        "Ducati Panigale V2",
        "Kawasaki Ninja ZX-6R",
        "Yamaha YZF-R7",
    ]
    assert searched(seeded_uow_factory, "un trail électrique pour jeune permis") == ["Zero FX"]
    assert searched(seeded_uow_factory, "do you have electric bikes?") == ["Zero FX", "Zero SR/F"]
    assert searched(seeded_uow_factory, "vous avez des yamaha A2 ?") == [
        "Yamaha MT-07",
        "Yamaha Ténéré 700",
        "Yamaha YZF-R7",
    ]
    assert searched(seeded_uow_factory, "la mt07 est dispo ?") == ["Yamaha MT-07"]
    assert searched(seeded_uow_factory, "une Harley ?") == []
    assert searched(seeded_uow_factory, "une suzuki sv650 ?") == []  # inactive


def test_without_a_match_the_closest_models_are_suggested(seeded_uow_factory) -> None:
    query = query_from_text("une sportive électrique")
    assert find_models(seeded_uow_factory(), query) == []

    suggested = suggest_models(seeded_uow_factory(), query, limit=4)
    assert [view.name for view in suggested] == [
        "Ducati Panigale V2",  # sport
        "Kawasaki Ninja ZX-6R",
        "Yamaha YZF-R7",
        "Zero FX",  # electric
    ]


def test_one_search_answers_a_question_with_matches_or_suggestions(seeded_uow_factory) -> None:
    found = search_catalogue(seeded_uow_factory(), "Vous avez la Ténéré à l'essai ?")
    assert [view.name for view in found.models] == ["Yamaha Ténéré 700"]
    assert found.suggestions == [] and not found.empty
    assert found.query.models == {"Ténéré 700"}

    none = search_catalogue(seeded_uow_factory(), "un trail Ducati", suggestions=2)
    assert none.models == [] and not none.empty
    assert none.query.brands == {"Ducati"} and none.query.usages == {"offroad"}
    assert [view.name for view in none.suggestions] == ["Ducati Panigale V2", "Honda CRF300L"]


def test_a_model_no_agency_has_is_not_offered(seeded_uow_factory) -> None:
    lonely = ModelInput(**{**NEW_MODEL.__dict__, "agencies": ()})
    created = create_model(seeded_uow_factory(), lonely)
    assert created.agencies == ()
    assert searched(seeded_uow_factory, "royal enfield") == []
    assert "Royal Enfield" not in catalogue_names(seeded_uow_factory())[0]


def test_an_empty_catalogue_finds_nothing(uow_factory) -> None:
    assert find_models(uow_factory(), ModelQuery()) == []
    assert suggest_models(uow_factory(), ModelQuery()) == []
    assert catalogue_names(uow_factory()) == ([], [])
    assert search_catalogue(uow_factory(), "un trail").empty


def test_an_admin_adds_changes_hides_and_removes_a_model(seeded_uow_factory) -> None:
    created = create_model(seeded_uow_factory(), NEW_MODEL)
    assert (created.brand, created.model, created.licence) == (
        "Royal Enfield",
        "Himalayan 450",
        "A2",
    )
    assert created.description_en is None
    assert [a.code for a in created.agencies] == ["bordeaux-lac", "lyon-gerland"]
    assert searched(seeded_uow_factory, "une royal enfield") == ["Royal Enfield Himalayan 450"]

    changed = ModelInput(**{**NEW_MODEL.__dict__, "usage": "road", "agencies": ("paris-nord",)})
    updated = update_model(seeded_uow_factory(), created.id, changed)
    assert updated.usage == "road" and [a.code for a in updated.agencies] == ["paris-nord"]

    hidden = set_model_active(seeded_uow_factory(), created.id, False)
    assert not hidden.active
    assert searched(seeded_uow_factory, "une royal enfield") == []
    assert created.id in {view.id for view in list_models(seeded_uow_factory())}

    removed = delete_model(seeded_uow_factory(), created.id)
    assert removed.name == "Royal Enfield Himalayan 450"
    with pytest.raises(NotFound):
        get_model(seeded_uow_factory(), created.id)


def test_the_same_model_however_written_is_refused(seeded_uow_factory) -> None:
    copy = ModelInput(brand="yamaha", model="MT07", usage="road", licence="A2", engine_cc=689)
    with pytest.raises(Conflict):
        create_model(seeded_uow_factory(), copy)
    z650 = next(v for v in list_models(seeded_uow_factory()) if v.model == "Z650")
    renamed = ModelInput(brand="Yamaha", model="MT 07", usage="road", licence="A2", engine_cc=649)
    with pytest.raises(Conflict):
        update_model(seeded_uow_factory(), z650.id, renamed)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"brand": " "}, "empty_brand"),
        ({"model": ""}, "empty_model"),
        ({"usage": "cruise"}, "invalid_usage"),
        ({"licence": "B"}, "invalid_licence"),
        ({"electric": True}, "engine_cc_electric"),
        ({"engine_cc": None}, "engine_cc_missing"),
        ({"engine_cc": 0}, "invalid_engine_cc"),
        ({"description_fr": "x" * 301}, "description_too_long"),
        ({"agencies": ("nowhere",)}, "unknown_agency"),
    ],
)
def test_wrong_values_are_refused_with_their_reason(seeded_uow_factory, changes, code) -> None:
    before = list_models(seeded_uow_factory())
    with pytest.raises(InvalidValue) as refused:
        create_model(seeded_uow_factory(), ModelInput(**{**NEW_MODEL.__dict__, **changes}))
    assert refused.value.code == code
    assert list_models(seeded_uow_factory()) == before


def test_the_database_refuses_an_electric_model_with_an_engine_size(uow_factory) -> None:
    with uow_factory() as uow, pytest.raises(IntegrityError):
        uow.session.add(
            RideModel(
                brand="Zero", model="S", usage="road", licence="A", engine_cc=500, electric=True
            )
        )
        uow.session.flush()


def test_unknown_models_are_not_found(seeded_uow_factory) -> None:
    with pytest.raises(NotFound):
        set_model_active(seeded_uow_factory(), 999_999, False)
    with pytest.raises(NotFound):
        delete_model(seeded_uow_factory(), 999_999)
    with pytest.raises(NotFound):
        update_model(seeded_uow_factory(), 999_999, NEW_MODEL)
