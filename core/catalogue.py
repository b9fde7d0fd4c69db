"""The test-ride catalogue as customers ask about it: the filters a message names (riding
usage, A2 licence, electric or not, brand, model) and the active models matching them.

`query_from_text` is pure: the words are compared without accents or case. Brands are the
well-known motorcycle brands plus those of the catalogue (`catalogue_names`), so a brand
the group does not sell is still understood and answered with "none" rather than ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from core.errors import NotFound
from core.models import Agency, RideModel, RideModelAgency
from core.parsing import normalize
from core.uow import UnitOfWork

# Words naming a usage, on normalized text. "sport" is the track, as in the services' usage.
_USAGE_WORDS = {
    "road": r"(?<!off-)(?<!off )(?<!hors-)(?<!hors )(?:road|route)s?|routier(?:e|s|es)?|roadsters?"
    r"|naked|ville|urbaine?s?|city|street|touring|tourisme|balades?|commut\w*|taf|boulot",
    "offroad": r"off[- ]?roads?|hors[- ]?routes?|tout[- ]?terrains?|tt|trails?|enduros?"
    r"|cross|motocross|mx|chemins?|dirt|trial|adventure|aventure|baroudeuses?",
    "sport": r"pistes?|circuits?|track(?:[- ]?days?)?|sportives?|sportifs?|sports?|sporty"
    r"|supersports?|hypersports?|superbikes?|racing|course|roulages?",
}
_A2 = r"a2|jeunes? permis|permis (?:probatoire|recent)|novices?|debutante?s?|beginners?"
_A2 += r"|new riders?|young riders?|35 ?kw|bridables?|bridee?s?|restricted"
_ELECTRIC = r"electriques?|electrics?|electrical|evs?|e-?motos?|e-?bikes?|zero emissions?"
_THERMAL = r"thermiques?|essence|petrol|gasoline|combustion"

KNOWN_BRANDS = (
    "Aprilia", "Benelli", "Beta", "BMW", "Brixton", "CFMoto", "Ducati", "Energica", "Fantic",
    "GasGas", "Harley-Davidson", "Honda", "Husqvarna", "Indian", "Kawasaki", "KTM", "Kymco",
    "LiveWire", "Moto Guzzi", "MV Agusta", "Peugeot", "Piaggio", "Royal Enfield", "Sherco",
    "Stark", "Super Soco", "Suzuki", "Triumph", "Vespa", "Voge", "Yamaha", "Zero",
)  # fmt: skip
# Short names customers use, by brand key (see `name_key`).
_BRAND_ALIASES = {
    "kawasaki": ("kawa",),
    "harleydavidson": ("harley",),
    "motoguzzi": ("guzzi",),
    "royalenfield": ("enfield",),
    "gasgas": ("gas gas",),
    "cfmoto": ("cf moto",),
    "husqvarna": ("husky",),
}
# Brands that are also common words ("zéro émission", "beta test"): only written as a name,
# capital first and without accent, counts.
_WORD_BRANDS = frozenset({"zero", "beta", "indian", "stark"})


@dataclass(frozen=True)
class ModelQuery:
    """What a customer asked for; an empty set or None means "any"."""

    usages: frozenset[str] = frozenset()
    licence: str | None = None  # "A2": models an A2 licence allows
    electric: bool | None = None
    brands: frozenset[str] = frozenset()  # as spelled in the brand list
    models: frozenset[str] = frozenset()  # as spelled in the catalogue

    @property
    def is_empty(self) -> bool:
        return self == ModelQuery()


@dataclass(frozen=True)
class AgencyRef:
    code: str
    name: str
    city: str


@dataclass(frozen=True)
class ModelView:
    id: int
    brand: str
    model: str
    usage: str
    licence: str
    engine_cc: int | None
    electric: bool
    active: bool
    description_fr: str | None = None
    description_en: str | None = None
    agencies: tuple[AgencyRef, ...] = field(default=())

    @property
    def name(self) -> str:
        return f"{self.brand} {self.model}"


def name_key(name: str) -> str:
    """A brand or model compared loosely: "Harley Davidson" = "harley-davidson"."""
    return re.sub(r"[^a-z0-9]", "", normalize(name))


def _words(pattern: str, text: str) -> bool:
    return re.search(rf"(?<![a-z0-9])(?:{pattern})(?![a-z0-9])", text) is not None


def _name_pattern(name: str) -> str:
    """Loose spelling of a name: "MT-07" matches "mt07", "mt 07"; "CB750" matches "cb 750"."""
    parts = re.findall(r"[a-z]+|[0-9]+", normalize(name))
    return r"[\s\-/.]?".join(re.escape(part) for part in parts)


def _named(name: str, norm: str, original: str) -> bool:
    key = name_key(name)
    if not key:
        return False
    if key in _WORD_BRANDS:
        word = re.escape(name.strip())
        after = r"(?!\s*(?:[eé]missions?|km|kilom))"
        return re.search(rf"\b(?:{word}|{word.upper()}){after}\b", original) is not None
    patterns = [_name_pattern(name), *(_name_pattern(a) for a in _BRAND_ALIASES.get(key, ()))]
    return any(_words(pattern, norm) for pattern in patterns)


def query_from_text(
    text: str, brands: Iterable[str] = (), models: Iterable[str] = ()
) -> ModelQuery:
    """The filters a message names. `brands` and `models`: the catalogue's own names, added
    to the well-known brands (`catalogue_names` gives both)."""
    norm = normalize(text)
    usages = frozenset(usage for usage, words in _USAGE_WORDS.items() if _words(words, norm))
    electric, thermal = _words(_ELECTRIC, norm), _words(_THERMAL, norm)
    known = {name_key(b): b for b in KNOWN_BRANDS} | {name_key(b): b for b in brands}
    return ModelQuery(
        usages=usages,
        licence="A2" if _words(_A2, norm) else None,
        electric=electric if electric != thermal else None,
        brands=frozenset(b for b in known.values() if _named(b, norm, text)),
        models=_models_named(set(models), norm, text),
    )


def _models_named(models: set[str], norm: str, original: str) -> frozenset[str]:
    """Models named in full ("MT-07", "mt07") or by a word of their own ("Ténéré" for the
    Ténéré 700, "Hornet"): a word of 4 letters or more that no other model has and that
    names no usage or filter ("Enduro" in "690 Enduro R" is the usage)."""
    words = {model: set(re.findall(r"[a-z]{4,}", normalize(model))) for model in models}
    counts: dict[str, int] = {}
    for found in words.values():
        for word in found:
            counts[word] = counts.get(word, 0) + 1
    filters = [*_USAGE_WORDS.values(), _A2, _ELECTRIC, _THERMAL]

    def own(word: str) -> bool:
        return counts[word] == 1 and not any(_words(pattern, word) for pattern in filters)

    return frozenset(
        model
        for model in models
        if _named(model, norm, original)
        or any(own(word) and _words(re.escape(word), norm) for word in words[model])
    )


def matches(view: ModelView, query: ModelQuery) -> bool:
    """The model satisfies every filter of the query."""
    return _criteria_met(view, query) == _criteria_count(query)


def _criteria_count(query: ModelQuery) -> int:
    filters = (query.usages, query.licence, query.electric is not None, query.brands, query.models)
    return sum(1 for given in filters if given)


def _criteria_met(view: ModelView, query: ModelQuery) -> int:
    met = (
        bool(query.usages) and view.usage in query.usages,
        query.licence is not None and view.licence == query.licence,
        query.electric is not None and view.electric == query.electric,
        bool(query.brands) and name_key(view.brand) in {name_key(b) for b in query.brands},
        bool(query.models) and name_key(view.model) in {name_key(m) for m in query.models},
    )
    return sum(met)


@dataclass(frozen=True)
class CatalogueSearch:
    """The answer to a customer's question: what they asked, the models matching it, and
    when none does the closest ones. `empty`: the catalogue offers nothing at all."""

    query: ModelQuery
    models: list[ModelView]
    suggestions: list[ModelView]
    empty: bool


def search_catalogue(uow: UnitOfWork, text: str, suggestions: int = 6) -> CatalogueSearch:
    """Read the filters in `text` and find the models offered for test rides (one read)."""
    offered = _offered(list_models(uow, active_only=True))
    brands, models = sorted({v.brand for v in offered}), sorted({v.model for v in offered})
    query = query_from_text(text, brands, models)
    found = [view for view in offered if matches(view, query)]
    closest = [] if found else _closest(offered, query, suggestions)
    return CatalogueSearch(query, found, closest, empty=not offered)


def find_models(uow: UnitOfWork, query: ModelQuery) -> list[ModelView]:
    """The models offered for test rides (active, at an agency at least) matching every
    filter, with their agencies; by brand and model."""
    return [v for v in _offered(list_models(uow, active_only=True)) if matches(v, query)]


def suggest_models(uow: UnitOfWork, query: ModelQuery, limit: int = 6) -> list[ModelView]:
    """Models offered for test rides when none matches: those meeting most filters first."""
    return _closest(_offered(list_models(uow, active_only=True)), query, limit)


def catalogue_names(uow: UnitOfWork) -> tuple[list[str], list[str]]:
    """The brands and the model names offered for test rides (for `query_from_text`)."""
    views = _offered(list_models(uow, active_only=True))
    return sorted({v.brand for v in views}), sorted({v.model for v in views})


def _offered(views: list[ModelView]) -> list[ModelView]:
    """A model no agency has cannot be tried: customers do not see it."""
    return [view for view in views if view.active and view.agencies]


def _closest(views: list[ModelView], query: ModelQuery, limit: int) -> list[ModelView]:
    ranked = sorted(views, key=lambda view: -_criteria_met(view, query))  # stable: by name
    return ranked[:limit]


def list_models(uow: UnitOfWork, *, active_only: bool = False) -> list[ModelView]:
    """The catalogue (inactive models too unless `active_only`), by brand and model."""
    with uow:
        statement = select(RideModel)
        if active_only:
            statement = statement.where(RideModel.active.is_(True))
        rows = list(uow.session.scalars(statement))
        agencies = _agencies_of(uow, [row.id for row in rows])
        views = [model_view(row, agencies.get(row.id, ())) for row in rows]
    return sorted(views, key=lambda v: (name_key(v.brand), normalize(v.model)))


def get_model(uow: UnitOfWork, model_id: int) -> ModelView:
    """One catalogue model; NotFound `unknown_model`."""
    with uow:
        row = uow.session.get(RideModel, model_id)
        if row is None:
            raise NotFound("unknown_model", f"no catalogue model {model_id}")
        return model_view(row, _agencies_of(uow, [model_id]).get(model_id, ()))


def _agencies_of(uow: UnitOfWork, model_ids: list[int]) -> dict[int, tuple[AgencyRef, ...]]:
    if not model_ids:
        return {}
    rows = uow.session.execute(
        select(RideModelAgency.model_id, Agency.code, Agency.name, Agency.city)
        .join(Agency, Agency.id == RideModelAgency.agency_id)
        .where(RideModelAgency.model_id.in_(model_ids))
        .order_by(Agency.name)
    )
    found: dict[int, list[AgencyRef]] = {}
    for model_id, code, name, city in rows:
        found.setdefault(model_id, []).append(AgencyRef(code, name, city))
    return {model_id: tuple(refs) for model_id, refs in found.items()}


def model_view(row: RideModel, agencies: tuple[AgencyRef, ...]) -> ModelView:
    return ModelView(
        id=row.id,
        brand=row.brand,
        model=row.model,
        usage=row.usage,
        licence=row.licence,
        engine_cc=row.engine_cc,
        electric=row.electric,
        active=row.active,
        description_fr=row.description_fr,
        description_en=row.description_en,
        agencies=agencies,
    )
