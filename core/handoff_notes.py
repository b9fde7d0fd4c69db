"""Staff-only notes of a human chat: what an advisor writes for colleagues beside the
conversation (never sent to the customer), and the record of each transfer
(core/handoff.py `transfer`). Both are read with the conversation in the console."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from core.errors import Forbidden, InvalidValue, NotFound
from core.handoff_queue import request_row
from core.models import HandoffNote, StaffUser
from core.uow import UnitOfWork

NOTE_MAX_CHARS = 2000


@dataclass(frozen=True)
class NoteView:
    id: int
    request_id: int
    kind: str  # note | transfer
    text: str
    author_id: int | None
    author_name: str | None
    transferred_to: str | None  # the receiving advisor's name, for a transfer
    created_at: datetime


def add_note(uow: UnitOfWork, request_id: int, staff_id: int, text: str, now: datetime) -> NoteView:
    """A note in the conversation, by the advisor who holds it or an admin (any status: a
    closed conversation may still get a word for the next colleague)."""
    clean = text.strip()
    if not clean:
        raise InvalidValue("empty_note", "the note is empty")
    if len(clean) > NOTE_MAX_CHARS:
        raise InvalidValue("note_too_long", f"{NOTE_MAX_CHARS} characters at most")
    with uow:
        session = uow.session
        request = request_row(session, request_id)
        staff = session.get(StaffUser, staff_id)
        if staff is None:
            raise NotFound("unknown_staff", f"no staff user {staff_id}")
        if request.advisor_id != staff_id and staff.role != "admin":
            raise Forbidden("not_your_conversation", "another advisor has this conversation")
        note = HandoffNote(
            request_id=request_id, staff_id=staff_id, kind="note", text=clean, created_at=now
        )
        session.add(note)
        session.flush()
        view = notes_of(session, [request_id])[request_id][-1]
        uow.commit()
        return view


def notes_of(session: Session, request_ids: Iterable[int]) -> dict[int, list[NoteView]]:
    """The notes of each request, oldest first (every id is a key)."""
    ids = list(request_ids)
    found: dict[int, list[NoteView]] = {request_id: [] for request_id in ids}
    if not ids:
        return found
    author = aliased(StaffUser)
    receiver = aliased(StaffUser)
    rows = session.execute(
        select(HandoffNote, author.name, receiver.name)
        .outerjoin(author, author.id == HandoffNote.staff_id)
        .outerjoin(receiver, receiver.id == HandoffNote.transferred_to_id)
        .where(HandoffNote.request_id.in_(ids))
        .order_by(HandoffNote.created_at, HandoffNote.id)
    )
    for note, author_name, receiver_name in rows:
        found[note.request_id].append(
            NoteView(
                id=note.id,
                request_id=note.request_id,
                kind=note.kind,
                text=note.text,
                author_id=note.staff_id,
                author_name=author_name,
                transferred_to=receiver_name,
                created_at=note.created_at,
            )
        )
    return found
