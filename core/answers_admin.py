"""Admins edit the knowledge base: add an entry, change it, deactivate it (the bot no longer
uses it) or delete it.

Values are checked here (InvalidValue with a code). One entry per topic for the group and one
per topic and agency: a second one is refused (Conflict `entry_exists`), and the database's
unique constraint and partial unique index hold when two admins add the same one at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.answers import COMPUTED_TOPICS, TOPIC_PATTERN, EntryView, get_entry
from core.answers_match import keyword_is_generic, words
from core.errors import Conflict, InvalidValue, NotFound
from core.models import Agency, AnswerEntry
from core.uow import UnitOfWork

KEYWORD_MAX = 60
MAX_KEYWORDS = 40
ANSWER_MAX = 1000


@dataclass(frozen=True)
class EntryInput:
    """An entry as an admin gives it; `agency`: an agency code, None for the group."""

    topic: str
    keywords: tuple[str, ...]
    answer_fr: str | None = None
    answer_en: str | None = None
    agency: str | None = None
    active: bool = True


def parse_keywords(text: str) -> tuple[str, ...]:
    """Keywords typed one per line or separated by commas or semicolons."""
    return tuple(part for part in re.split(r"[\n,;]", text or "") if part.strip())


def check_entry(data: EntryInput) -> EntryInput:
    """The input cleaned (spaces, duplicate keywords, empty answers), or InvalidValue."""
    topic = (data.topic or "").strip().lower()
    if not TOPIC_PATTERN.match(topic):
        raise InvalidValue(
            "invalid_topic", "a topic is 2 to 40 lower-case letters, digits or underscores"
        )
    keywords = _keywords(data.keywords)
    answer_fr, answer_en = _answer(data.answer_fr), _answer(data.answer_en)
    if topic not in COMPUTED_TOPICS:
        if not answer_fr:
            raise InvalidValue("empty_answer_fr", "the answer in French is required")
        if not answer_en:
            raise InvalidValue("empty_answer_en", "the answer in English is required")
    agency = (data.agency or "").strip() or None
    return replace(
        data,
        topic=topic,
        keywords=keywords,
        answer_fr=answer_fr,
        answer_en=answer_en,
        agency=agency,
    )


def _keywords(raw: tuple[str, ...]) -> tuple[str, ...]:
    cleaned: dict[tuple[str, ...], str] = {}
    for keyword in raw:
        one_line = " ".join((keyword or "").split())
        if not one_line:
            continue
        if len(one_line) > KEYWORD_MAX:
            raise InvalidValue(
                "keyword_too_long", f"a keyword has at most {KEYWORD_MAX} characters"
            )
        if keyword_is_generic(one_line):
            raise InvalidValue(
                "keyword_too_generic", f"{one_line!r} has only small words: it would match anything"
            )
        cleaned.setdefault(tuple(words(one_line)), one_line)  # "Horaires" = "horaire"
    if not cleaned:
        raise InvalidValue("no_keywords", "give at least one keyword")
    if len(cleaned) > MAX_KEYWORDS:
        raise InvalidValue("too_many_keywords", f"at most {MAX_KEYWORDS} keywords")
    return tuple(cleaned.values())


def _answer(text: str | None) -> str | None:
    lines = [" ".join(line.split()) for line in (text or "").strip().splitlines()]
    cleaned = "\n".join(lines).strip()
    if len(cleaned) > ANSWER_MAX:
        raise InvalidValue("answer_too_long", f"an answer has at most {ANSWER_MAX} characters")
    return cleaned or None


def create_entry(uow: UnitOfWork, data: EntryInput) -> EntryView:
    """Add an entry to the knowledge base."""
    with uow:
        try:
            entry_id = add_entry(uow.session, data).id
            uow.commit()
        except IntegrityError as exc:
            raise _taken() from exc
    return get_entry(uow, entry_id)


def update_entry(uow: UnitOfWork, entry_id: int, data: EntryInput) -> EntryView:
    """Replace an entry's values; NotFound `unknown_entry`."""
    data = check_entry(data)
    with uow:
        row = _row(uow.session, entry_id)
        try:
            _write(uow.session, row, data)
            uow.commit()
        except IntegrityError as exc:
            raise _taken() from exc
    return get_entry(uow, entry_id)


def set_entry_active(uow: UnitOfWork, entry_id: int, active: bool) -> EntryView:
    """Let the bot use the entry again, or stop it (its values are kept)."""
    with uow:
        _row(uow.session, entry_id).active = active
        uow.commit()
    return get_entry(uow, entry_id)


def delete_entry(uow: UnitOfWork, entry_id: int) -> EntryView:
    """Remove an entry; returns what was removed."""
    removed = get_entry(uow, entry_id)
    with uow:
        uow.session.execute(delete(AnswerEntry).where(AnswerEntry.id == entry_id))
        uow.commit()
    return removed


def add_entry(session: Session, data: EntryInput) -> AnswerEntry:
    """Insert a checked entry in the caller's transaction (the demo data uses it too)."""
    data = check_entry(data)
    row = AnswerEntry()
    _write(session, row, data)
    return row


def _write(session: Session, row: AnswerEntry, data: EntryInput) -> None:
    agency_id = _agency_id(session, data.agency)
    taken = session.scalar(
        select(AnswerEntry.id).where(
            AnswerEntry.topic == data.topic,
            AnswerEntry.agency_id.is_(None)
            if agency_id is None
            else AnswerEntry.agency_id == agency_id,
            AnswerEntry.id != row.id if row.id is not None else AnswerEntry.id.is_not(None),
        )
    )
    if taken is not None:
        raise _taken()
    row.topic, row.agency_id = data.topic, agency_id
    row.keywords = "\n".join(data.keywords)
    row.answer_fr, row.answer_en, row.active = data.answer_fr, data.answer_en, data.active
    session.add(row)
    session.flush()


def _agency_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    found = session.scalar(select(Agency.id).where(Agency.code == code))
    if found is None:
        raise InvalidValue("unknown_agency", f"no agency {code!r}")
    return found


def _row(session: Session, entry_id: int) -> AnswerEntry:
    row = session.get(AnswerEntry, entry_id)
    if row is None:
        raise NotFound("unknown_entry", f"no knowledge base entry {entry_id}")
    return row


def _taken() -> Conflict:
    """An entry of that topic already exists for the group or that agency (the unit of work
    rolls back as the Conflict leaves it)."""
    return Conflict("entry_exists", "this topic already has an entry for the group or agency")
