"""The knowledge base as customers ask it: "vous ouvrez à quelle heure ?", "combien coûte une
vidange ?", "c'est quoi le contrôle 1000 km ?". `find_answer` finds the topic of a question
by its keywords (core/answers_match.py) and returns the answer in the customer's language:
the entry's text, or for hours, addresses and contact details the values computed from the
agencies and their service settings (core/answers_facts.py) followed by the entry's text.

An agency named in the question ("horaires de Lyon") or the conversation's agency chooses
that agency's own entry when it has one, else the group's entry (docs/answers.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import i18n
from core.answers_facts import (
    CLOSURE_HORIZON_DAYS,
    AgencyFacts,
    CalendarFacts,
    address_text,
    contact_text,
    hours_text,
    lang_of,
    visit_1000_text,
)
from core.answers_match import TopicKeywords, rank_topics, well_enough, words
from core.errors import NotFound
from core.models import Agency, AnswerEntry, Calendar, CalendarClosure, Service, Setting
from core.uow import UnitOfWork
from core.workshop import Visit1000Rule, visit_1000_rule

# The topics of the demo data and the backoffice, in the order ties are broken; admins may
# add others. Computed topics start with values read from the data (hours, addresses,
# contact details, the 1000 km visit's rule) and may have no text of their own;
# `seasonal_tips` answers with the tips of the season (`tips_<season>`) of the day asked.
TOPICS = (
    "hours",
    "address",
    "contact",
    "prices",
    "service_contents",
    "visit_1000",
    "tips_winter",
    "tips_spring",
    "tips_summer",
    "tips_autumn",
    "seasonal_tips",
    "payment",
    "loan_bike",
)
COMPUTED_TOPICS = frozenset({"hours", "address", "contact", "visit_1000", "seasonal_tips"})
SEASONS = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring"}
SEASONS |= {6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}
TOPIC_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@dataclass(frozen=True)
class EntryView:
    id: int
    topic: str
    agency_code: str | None  # None: the group's entry
    agency_name: str | None
    keywords: tuple[str, ...]
    answer_fr: str | None
    answer_en: str | None
    active: bool

    @property
    def computed(self) -> bool:
        return self.topic in COMPUTED_TOPICS

    def text(self, language: str | None) -> str:
        """The answer in `language`, the other language's when it has none."""
        first, second = (
            (self.answer_en, self.answer_fr)
            if lang_of(language) == "en"
            else (self.answer_fr, self.answer_en)
        )
        return first or second or ""


@dataclass(frozen=True)
class Answer:
    """What the bot says to a question: `text` in the asked language; `topic`: the topic
    answered (for seasonal tips, the season's: `tips_winter`...); `agency_code`: the one
    agency the answer is about, if any; `entry_id`: the entry whose text was used."""

    topic: str
    text: str
    agency_code: str | None = None
    entry_id: int | None = None
    keywords: tuple[str, ...] = ()  # the keywords found in the question


def topic_order(topic: str) -> tuple[int, str]:
    return (TOPICS.index(topic) if topic in TOPICS else len(TOPICS), topic)


def topic_keywords(entries: Sequence[EntryView]) -> list[TopicKeywords]:
    """The keywords of every topic (all its entries), topics in the tie-breaking order."""
    by_topic: dict[str, list[str]] = {}
    for entry in entries:
        by_topic.setdefault(entry.topic, []).extend(entry.keywords)
    return [
        TopicKeywords(topic, tuple(dict.fromkeys(by_topic[topic])))
        for topic in sorted(by_topic, key=topic_order)
    ]


def agencies_named(text: str, agencies: Sequence[AgencyFacts]) -> list[AgencyFacts]:
    """The agencies a message names: by their own name ("Paris Nord", "Gerland") or code
    first, else by their city ("Lyon": every agency of Lyon)."""
    said = f" {' '.join(words(text))} "
    if not said.strip():
        return []
    shared = set.intersection(*(set(words(a.name)) for a in agencies)) if agencies else set()

    def says(phrase: list[str]) -> bool:
        return bool(phrase) and f" {' '.join(phrase)} " in said

    def own_words(agency: AgencyFacts) -> list[str]:
        return [w for w in words(agency.name) if w not in shared]

    by_name = [
        a
        for a in agencies
        if says(own_words(a))
        or says(words(a.code))
        or any(says([w]) for w in own_words(a) if w not in words(a.city) and len(w) >= 4)
    ]
    return by_name or [a for a in agencies if says(words(a.city))]


def find_answer(
    uow: UnitOfWork,
    text: str,
    language: str | None,
    agency_code: str | None = None,
    *,
    today: date | None = None,
) -> Answer | None:
    """The answer to a customer's question, or None when no topic matches well. `agency_code`:
    the conversation's agency, used when the question names none; `today` (local date):
    closed dates of the coming fortnight are named with the opening hours."""
    lang = lang_of(language)
    with uow:
        entries = _entries(uow.session, active_only=True)
        ranked = rank_topics(text, topic_keywords(entries))
        match = ranked[0] if ranked and well_enough(ranked[0]) else None
        if match is None:
            return None
        agencies = _agency_facts(uow.session, today)
        chosen = agencies_named(text, agencies) or [a for a in agencies if a.code == agency_code]
        contact = _company_contact(uow.session)
        rule = visit_1000_rule(uow) if match.topic == "visit_1000" else None
    one = chosen[0].code if len(chosen) == 1 else None
    topic = match.topic
    if topic == "seasonal_tips":  # the tips of the season named, else of today's season
        named = [m.topic for m in ranked if m.topic.startswith("tips_")]
        season = named[0] if named else f"tips_{SEASONS[today.month]}" if today else ""
        topic = season if any(e.topic == season for e in entries) else topic
    of_topic = [entry for entry in entries if entry.topic == topic]
    entry = next((e for e in of_topic if one and e.agency_code == one), None) or next(
        (e for e in of_topic if e.agency_code is None), None
    )
    if topic in COMPUTED_TOPICS:
        facts = _computed(topic, chosen, agencies, contact, rule, lang, today)
        extra = entry.text(lang) if entry is not None else ""
        body = "\n".join(part for part in (facts, extra) if part)
    elif entry is not None:
        body = entry.text(lang)
    else:  # only agencies' own entries: each one asked about (or all), under its name
        codes = {a.code for a in chosen}
        own = [e for e in of_topic if not codes or e.agency_code in codes] or of_topic
        colon = i18n.text("facts", "colon", lang)
        body = "\n".join(f"• {e.agency_name}{colon}{e.text(lang)}" for e in own)
    return Answer(
        topic=topic,
        text=body,
        agency_code=one,
        entry_id=entry.id if entry is not None else None,
        keywords=match.keywords,
    )


def _computed(
    topic: str,
    chosen: list[AgencyFacts],
    agencies: list[AgencyFacts],
    contact: tuple[str | None, str | None],
    rule: Visit1000Rule | None,
    lang: str,
    today: date | None,
) -> str:
    if topic == "hours":
        return hours_text(chosen or agencies, lang, today) if agencies else ""
    if topic == "address":
        return address_text(chosen or agencies, lang)
    if topic == "contact":
        return contact_text(*contact, chosen, lang)
    if topic == "visit_1000" and rule is not None:
        return visit_1000_text(rule.min_km, rule.max_km, rule.max_age_days, lang)
    return ""  # seasonal_tips without tips for the season: the entry's own text


def list_entries(uow: UnitOfWork) -> list[EntryView]:
    """Every entry, inactive ones too: by topic, the group's entry before the agencies'."""
    with uow:
        return _entries(uow.session, active_only=False)


def get_entry(uow: UnitOfWork, entry_id: int) -> EntryView:
    """One entry; NotFound `unknown_entry`."""
    with uow:
        found = _entries(uow.session, active_only=False, entry_id=entry_id)
    if not found:
        raise NotFound("unknown_entry", f"no knowledge base entry {entry_id}")
    return found[0]


def _entries(
    session: Session, *, active_only: bool, entry_id: int | None = None
) -> list[EntryView]:
    statement = select(AnswerEntry, Agency.code, Agency.name).outerjoin(
        Agency, Agency.id == AnswerEntry.agency_id
    )
    if active_only:
        statement = statement.where(AnswerEntry.active.is_(True))
    if entry_id is not None:
        statement = statement.where(AnswerEntry.id == entry_id)
    views = [entry_view(row, code, name) for row, code, name in session.execute(statement)]
    return sorted(
        views, key=lambda v: (topic_order(v.topic), v.agency_name is not None, v.agency_name or "")
    )


def entry_view(row: AnswerEntry, agency_code: str | None, agency_name: str | None) -> EntryView:
    return EntryView(
        id=row.id,
        topic=row.topic,
        agency_code=agency_code,
        agency_name=agency_name,
        keywords=tuple(line for line in row.keywords.splitlines() if line.strip()),
        answer_fr=row.answer_fr,
        answer_en=row.answer_en,
        active=row.active,
    )


def _agency_facts(session: Session, today: date | None) -> list[AgencyFacts]:
    """Every agency with its calendars' services, hours and (from `today`) closed dates."""
    closed: dict[int, set[date]] = {}
    if today is not None:
        horizon = today + timedelta(days=CLOSURE_HORIZON_DAYS)
        for calendar_id, day in session.execute(
            select(CalendarClosure.calendar_id, CalendarClosure.day).where(
                CalendarClosure.day >= today, CalendarClosure.day <= horizon
            )
        ):
            closed.setdefault(calendar_id, set()).add(day)
    calendars: dict[int, list[CalendarFacts]] = {}
    for calendar, service in session.execute(
        select(Calendar, Service)
        .join(Service, Service.code == Calendar.service_code)
        .order_by(Calendar.id)
    ):
        calendars.setdefault(calendar.agency_id, []).append(
            CalendarFacts(
                service_code=service.code,
                name_fr=service.name_fr,
                name_en=service.name_en,
                kind=service.kind,
                opening_hours=calendar.opening_hours or {},
                closed=frozenset(closed.get(calendar.id, ())),
            )
        )
    return [
        AgencyFacts(
            code=agency.code,
            name=agency.name,
            address=agency.address,
            postcode=agency.postcode,
            city=agency.city,
            phone=agency.phone,
            email=agency.email,
            calendars=tuple(calendars.get(agency.id, ())),
        )
        for agency in session.scalars(select(Agency).order_by(Agency.name))
    ]


def _company_contact(session: Session) -> tuple[str | None, str | None]:
    rows = dict(
        session.execute(
            select(Setting.key, Setting.value).where(
                Setting.key.in_(("contact_phone", "contact_email"))
            )
        ).all()
    )
    return rows.get("contact_phone"), rows.get("contact_email")
