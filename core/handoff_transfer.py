"""Moving a human chat from one advisor to another (issue 17, item 6): who can take it
now, and the move itself, race-safe like `accept` (core/handoff.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from core.errors import AdvisorFull, AlreadyTaken, Conflict, Forbidden, InvalidValue, NotFound
from core.handoff_queue import HandoffView, accepted_count, one_handoff_view, request_row
from core.models import HandoffNote, HandoffRequest, StaffUser
from core.staff_accounts import CONVERSATION_ROLES, STALE_AFTER
from core.uow import UnitOfWork


@dataclass(frozen=True)
class TransferTarget:
    """A colleague the conversation could go to, and whether they can take it now."""

    id: int
    name: str
    role: str
    conversations: int
    max_conversations: int
    available: bool  # switched on, console seen lately, under their maximum


def transfer_targets(uow: UnitOfWork, request_id: int, now: datetime) -> list[TransferTarget]:
    """Every active advisor and admin but the conversation's holder, those who can take it
    now first, then by name."""
    with uow:
        session = uow.session
        holder = request_row(session, request_id).advisor_id
        staff = session.scalars(
            select(StaffUser).where(
                StaffUser.active.is_(True),
                StaffUser.role.in_(CONVERSATION_ROLES),
                StaffUser.id != (holder or 0),
            )
        ).all()
        targets = []
        for member in staff:
            held = accepted_count(session, member.id)
            seen = member.last_seen_at
            online = member.available and seen is not None and seen >= now - STALE_AFTER
            targets.append(
                TransferTarget(
                    id=member.id,
                    name=member.name,
                    role=member.role,
                    conversations=held,
                    max_conversations=member.max_conversations,
                    available=online and held < member.max_conversations,
                )
            )
        return sorted(targets, key=lambda t: (not t.available, t.name.casefold(), t.id))


def transfer(
    uow: UnitOfWork,
    request_id: int,
    staff_id: int,
    to_advisor_id: int,
    now: datetime,
    note: str | None = None,
) -> HandoffView:
    """The holder of an accepted conversation (or an admin) hands it to another advisor, who
    is available (console seen within STALE_AFTER) and under their maximum of conversations.

    As in `accept`, the receiving advisor's row is locked first (FOR UPDATE on PostgreSQL;
    SQLite serialises writers), so two transfers or an accept racing for their last place
    cannot both count it free; the conversation moves by one conditional UPDATE on the holder
    read, so two people moving it at once cannot both win (AlreadyTaken for the loser). The
    transfer is recorded as a staff-only note, with the `note` left for the next advisor."""
    with uow:
        session = uow.session
        request = request_row(session, request_id)
        acting = session.get(StaffUser, staff_id)
        if acting is None:
            raise NotFound("unknown_staff", f"no staff user {staff_id}")
        if request.status != "accepted":
            raise Conflict("handoff_not_accepted", f"request {request_id} is {request.status}")
        holder = request.advisor_id
        if holder != staff_id and acting.role != "admin":
            raise Forbidden("not_your_conversation", "another advisor has this conversation")
        if to_advisor_id == holder:
            raise InvalidValue("same_advisor", "this advisor already holds the conversation")
        target = session.execute(
            select(StaffUser).where(StaffUser.id == to_advisor_id).with_for_update()
        ).scalar_one_or_none()
        if target is None or not target.active or target.role not in CONVERSATION_ROLES:
            raise NotFound("unknown_advisor", f"no advisor {to_advisor_id}")
        seen = target.last_seen_at
        if not target.available or seen is None or seen < now - STALE_AFTER:
            raise Conflict("advisor_unavailable", f"{target.name} is not available now")
        if accepted_count(session, to_advisor_id) >= target.max_conversations:
            raise AdvisorFull(
                "advisor_full", f"{target.name} already has {target.max_conversations}"
            )
        moved = session.execute(
            update(HandoffRequest)
            .where(
                HandoffRequest.id == request_id,
                HandoffRequest.status == "accepted",
                HandoffRequest.advisor_id == holder,
            )
            .values(advisor_id=to_advisor_id)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:
            raise AlreadyTaken("conversation_moved", f"request {request_id} changed meanwhile")
        text = " ".join((note or "").split())[:2000]
        session.add(
            HandoffNote(
                request_id=request_id,
                staff_id=staff_id,
                kind="transfer",
                text=text,
                transferred_to_id=to_advisor_id,
                created_at=now,
            )
        )
        session.flush()
        session.expire_all()
        view = one_handoff_view(session, request_id)
        uow.commit()
        return view
