"""Where the customer is, and the agencies nearest first.

`locate` understands a French postcode (its department's prefecture) or a main city's name
(data/places.yaml; accents and case ignored); `agencies_near` sorts the agencies offering a
service by great-circle distance from an origin.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from core.agencies import AgencyView, agencies_offering, list_agencies
from core.parsing import normalize
from core.uow import UnitOfWork

PLACES = Path(__file__).resolve().parent.parent / "data" / "places.yaml"
EARTH_RADIUS_KM = 6371.0088
_POSTCODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")


@dataclass(frozen=True)
class Place:
    name: str
    latitude: float
    longitude: float


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _key(text: str) -> str:
    """ "Saint-Étienne" -> "saint etienne"; "St Malo" -> "saint malo"."""
    plain = re.sub(r"[^a-z0-9]+", " ", normalize(text)).strip()
    return re.sub(r"\b(st|ste)\b", lambda m: "saint" if m.group(1) == "st" else "sainte", plain)


@functools.lru_cache(maxsize=1)
def _places() -> tuple[dict[str, Place], dict[str, Place]]:
    data = yaml.safe_load(PLACES.read_text(encoding="utf-8"))
    departments = {
        str(code): Place(name, float(lat), float(lon))
        for code, (name, lat, lon) in data["departments"].items()
    }
    cities: dict[str, Place] = {}
    for entry in data["cities"]:
        name, lat, lon = entry[:3]
        place = Place(name, float(lat), float(lon))
        for spelling in [name, *(entry[3] if len(entry) > 3 else [])]:
            cities.setdefault(_key(spelling), place)
    return departments, cities


def _department(postcode: str) -> str:
    if postcode.startswith("97"):
        return postcode[:3]
    if postcode.startswith("20"):
        return "2A" if postcode[2] in "01" else "2B"
    return postcode[:2]


def locate(text: str) -> Place | None:
    """A postcode (5 digits) anywhere in `text` -> its department's prefecture; otherwise a
    city named in `text` (the longest name found; a close spelling of a one-word text is
    accepted). None when nothing is recognised."""
    if not text:
        return None
    departments, cities = _places()
    postcode = _POSTCODE.search(text)
    if postcode:
        department = departments.get(_department(postcode.group(1)))
        if department is not None:
            return Place(f"{postcode.group(1)} {department.name}", *_coords(department))
    key = _key(text)
    if not key:
        return None
    if key in cities:
        return cities[key]
    padded = f" {key} "
    found = [name for name in cities if f" {name} " in padded]
    if found:
        return cities[max(found, key=len)]
    if len(key) >= 4 and len(key.split()) <= 3:
        close = difflib.get_close_matches(key, list(cities), n=1, cutoff=0.85)
        if close:
            return cities[close[0]]
    return None


def _coords(place: Place) -> tuple[float, float]:
    return place.latitude, place.longitude


def by_distance(
    agencies: list[AgencyView], latitude: float | None, longitude: float | None
) -> list[tuple[AgencyView, float | None]]:
    """`agencies` nearest first with their distance in km; as given, with None distances,
    when no origin is known."""
    if latitude is None or longitude is None:
        return [(agency, None) for agency in agencies]
    measured = [
        (agency, distance_km(latitude, longitude, agency.latitude, agency.longitude))
        for agency in agencies
    ]
    return sorted(measured, key=lambda pair: (pair[1], pair[0].name))


def nearest_agencies(
    uow: UnitOfWork, latitude: float | None = None, longitude: float | None = None
) -> list[tuple[AgencyView, float | None]]:
    """Every agency of the group, nearest first from the origin (by name without one)."""
    return by_distance(list_agencies(uow), latitude, longitude)


def agencies_near(
    uow: UnitOfWork,
    service_code: str,
    latitude: float | None = None,
    longitude: float | None = None,
) -> list[tuple[AgencyView, float | None]]:
    """The agencies offering `service_code`, nearest first with their distance in km; by
    name with None distances when no origin is given. NotFound for an unknown service."""
    return by_distance(agencies_offering(uow, service_code), latitude, longitude)
