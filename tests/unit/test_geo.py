"""core/geo.py: distances, postcodes and city names to coordinates."""

from __future__ import annotations

import pytest

from core.geo import distance_km, locate

PARIS = (48.8566, 2.3522)
LYON = (45.7640, 4.8357)


def test_paris_to_lyon_is_about_392_km() -> None:
    assert distance_km(*PARIS, *LYON) == pytest.approx(392, abs=5)
    assert distance_km(*LYON, *PARIS) == pytest.approx(distance_km(*PARIS, *LYON))
    assert distance_km(*PARIS, *PARIS) == 0


@pytest.mark.parametrize(
    ("text", "near"),
    [
        ("Paris", PARIS),
        ("lyon", LYON),
        ("LYON", LYON),
        ("Saint-Étienne", (45.44, 4.39)),
        ("saint etienne", (45.44, 4.39)),
        ("St Etienne", (45.44, 4.39)),
        ("nimes", (43.84, 4.36)),
        ("je suis à Bordeaux", (44.84, -0.58)),
        ("near Marseilles please", (43.30, 5.37)),
        ("Toulouse", (43.60, 1.44)),
        ("Nantes", (47.22, -1.55)),
        ("Strasbourg", (48.57, 7.75)),
        ("Rennes", (48.12, -1.68)),
        ("Lille", (50.63, 3.06)),
        ("Nice", (43.71, 7.26)),
        ("Bordeau", (44.84, -0.58)),  # a close spelling
    ],
)
def test_city_names_ignore_accents_and_case(text, near) -> None:
    place = locate(text)
    assert place is not None
    assert distance_km(place.latitude, place.longitude, *near) < 5


@pytest.mark.parametrize(
    ("text", "prefecture", "near"),
    [
        ("69007", "Lyon", LYON),
        ("75018", "Paris", PARIS),
        ("mon code postal est 33300", "Bordeaux", (44.84, -0.58)),
        ("13001", "Marseille", (43.30, 5.37)),
        ("20000", "Ajaccio", (41.92, 8.74)),
        ("20200", "Bastia", (42.70, 9.45)),
        ("97400", "Saint-Denis (La Réunion)", (-20.88, 55.45)),
    ],
)
def test_a_postcode_gives_its_department_prefecture(text, prefecture, near) -> None:
    place = locate(text)
    assert place is not None and place.name.endswith(prefecture)
    assert distance_km(place.latitude, place.longitude, *near) < 5


def test_the_longest_city_name_in_the_text_wins() -> None:
    place = locate("à côté de Boulogne-Billancourt")
    assert place is not None and place.name == "Boulogne-Billancourt"


@pytest.mark.parametrize("text", ["", "bonjour", "pas loin", "99999", "Atlantis"])
def test_unknown_places_are_none(text) -> None:
    assert locate(text) is None
