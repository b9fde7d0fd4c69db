"""Canned replies (issue 17, item 3): admins write them, advisors insert them in the console's
composer by their shortcut ("/rdv"), their variables filled for the conversation
(core/canned_fill.py).

A shortcut is 2 to 30 lower-case letters, digits or dashes, starting with a letter or a digit,
unique per language: the French and the English versions of a reply share it. The database's
unique constraint decides when two admins save the same shortcut at once (ShortcutTaken).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import InvalidValue, ShortcutTaken, UnknownCannedReply
from core.models import CANNED_LANGUAGES, CannedReply
from core.uow import UnitOfWork

SHORTCUT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,29}$")
TITLE_MAX = 80
TEXT_MAX = 2000  # an advisor's message (backoffice/api/handoffs.py MessageIn)


@dataclass(frozen=True)
class CannedReplyInput:
    """A reply as an admin types it (checked and cleaned by `check_reply`)."""

    shortcut: str
    language: str
    title: str
    text: str


@dataclass(frozen=True)
class CannedReplyView:
    id: int
    shortcut: str
    language: str
    title: str
    text: str


def check_reply(data: CannedReplyInput) -> CannedReplyInput:
    """The input cleaned (a leading "/" and spaces dropped, the shortcut in lower case, the
    text's line ends unified), or InvalidValue with a code saying what is wrong."""
    shortcut = data.shortcut.strip().lstrip("/").lower()
    if not SHORTCUT_PATTERN.match(shortcut):
        raise InvalidValue(
            "invalid_shortcut", "a shortcut is 2 to 30 lower-case letters, digits or dashes"
        )
    if data.language not in CANNED_LANGUAGES:
        raise InvalidValue("invalid_language", "the language is fr or en")
    title = " ".join(data.title.split())
    if not title:
        raise InvalidValue("empty_title", "the title is required")
    if len(title) > TITLE_MAX:
        raise InvalidValue("title_too_long", f"a title has at most {TITLE_MAX} characters")
    text = "\n".join(line.rstrip() for line in data.text.strip().splitlines())
    if not text:
        raise InvalidValue("empty_text", "the text is required")
    if len(text) > TEXT_MAX:
        raise InvalidValue("text_too_long", f"a text has at most {TEXT_MAX} characters")
    return CannedReplyInput(shortcut=shortcut, language=data.language, title=title, text=text)


def list_replies(uow: UnitOfWork, language: str | None = None) -> list[CannedReplyView]:
    """The replies by shortcut, French first; only those of `language` when given."""
    stmt = select(CannedReply).order_by(CannedReply.language.desc(), CannedReply.shortcut)
    if language is not None:
        stmt = stmt.where(CannedReply.language == language)
    with uow:
        return [reply_view(row) for row in uow.session.scalars(stmt)]


def get_reply(uow: UnitOfWork, reply_id: int) -> CannedReplyView:
    with uow:
        return reply_view(_row(uow.session, reply_id))


def create_reply(uow: UnitOfWork, data: CannedReplyInput) -> CannedReplyView:
    """A new reply; ShortcutTaken when its language already has that shortcut."""
    with uow:
        row = add_reply(uow.session, data)
        view = reply_view(row)
        uow.commit()
        return view


def update_reply(uow: UnitOfWork, reply_id: int, data: CannedReplyInput) -> CannedReplyView:
    """Replace a reply's values; UnknownCannedReply, ShortcutTaken."""
    data = check_reply(data)
    with uow:
        row = _row(uow.session, reply_id)
        _write(uow.session, row, data)
        view = reply_view(row)
        uow.commit()
        return view


def delete_reply(uow: UnitOfWork, reply_id: int) -> CannedReplyView:
    """Remove a reply; returns what was removed (UnknownCannedReply when already gone)."""
    with uow:
        row = _row(uow.session, reply_id)
        view = reply_view(row)
        uow.session.delete(row)
        uow.commit()
        return view


def add_reply(session: Session, data: CannedReplyInput) -> CannedReply:
    """Insert a checked reply in the caller's transaction (the demo data uses it too)."""
    row = CannedReply()
    _write(session, row, check_reply(data))
    return row


def reply_view(row: CannedReply) -> CannedReplyView:
    return CannedReplyView(row.id, row.shortcut, row.language, row.title, row.text)


def _write(session: Session, row: CannedReply, data: CannedReplyInput) -> None:
    try:
        with session.begin_nested():
            row.shortcut, row.language = data.shortcut, data.language
            row.title, row.text = data.title, data.text
            session.add(row)
    except IntegrityError:
        raise ShortcutTaken(
            message=f"the {data.language} replies already have the shortcut {data.shortcut!r}"
        ) from None


def _row(session: Session, reply_id: int) -> CannedReply:
    row = session.get(CannedReply, reply_id)
    if row is None:
        raise UnknownCannedReply(message=f"no canned reply {reply_id}")
    return row
