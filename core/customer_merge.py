"""The chat's own records follow the customer a one-time code proved it to be.

A visitor who books before identifying gets a provisional customer record: the name and
contact typed in the chat (core/customers.register_customer), reachable only through this
chat's channel identity. Once a code proves who the visitor is (a vehicle's owner,
core/otp.complete_identification; a new MyCar account, core/profile.create_mycar_account),
`merge_chat_into` folds that record into the verified customer, inside the caller's
transaction: its bookings (their reminders and surveys follow the booking), repair jobs,
callback tasks, complaints and pending codes move, the contacts the verified customer lacks
are copied, the channel identity is re-pointed and the emptied record is deleted.

Only the verified-code paths call it: a plate or a VIN alone never merges anything.
A record that proved something itself (it owns a vehicle, was identified, or is reached by
another chat) is never folded into another: the identity is re-pointed and it keeps its
records.

Races: the channel identity's row is locked first (two verifications of one chat queue
there), then both customer rows in id order (two chats of one owner queue on the owner's
row, never in a cycle). SQLite serialises writers with BEGIN IMMEDIATE instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.models import (
    Booking,
    CallbackTask,
    ChannelIdentity,
    Complaint,
    Customer,
    Invoice,
    MaintenanceSubscription,
    OtpChallenge,
    RepairJob,
    Vehicle,
)

log = logging.getLogger(__name__)

# Every table whose rows a provisional record owns through `customer_id`. The other two
# references to customers.id are handled apart: channel_identities (re-pointed) and
# vehicles (a record owning one is never provisional). tests/unit/test_customer_merge_tables.py
# fails when a new reference appears, so that nothing is lost by the delete.
# invoices keep their billing snapshot; only their link to the customer follows the merge
MOVED = (
    Booking,
    CallbackTask,
    Complaint,
    Invoice,
    MaintenanceSubscription,
    MaintenanceSubscription,
    OtpChallenge,
    RepairJob,
)
HANDLED_APART = ("channel_identities", "vehicles")
# Records of the conversation itself, made before the chat had any customer record.
ADOPTED = (CallbackTask, Complaint)


@dataclass(frozen=True)
class ChatMerge:
    customer_id: int  # the verified customer this chat now belongs to
    merged_from: int | None = None  # the provisional record folded in (deleted), if any
    moved: dict[str, int] = field(default_factory=dict)  # table -> rows given to the customer


def merge_chat_into(
    session: Session, *, customer_id: int, channel: str, external_id: str, conversation_id: int
) -> ChatMerge:
    """Make this chat `customer_id`'s, with everything its provisional record owned.

    Call it only after a one-time code proved the chat is that customer, in the same
    transaction (the caller commits). Running it again changes nothing.
    """
    identity = _locked_identity(session, channel, external_id, customer_id)
    source_id = identity.customer_id if identity.customer_id != customer_id else None
    locked = _lock_customers(session, [customer_id] + ([] if source_id is None else [source_id]))
    target = locked.get(customer_id)
    if target is None or target.erased_at is not None:
        raise NotFound("unknown_customer", f"no customer {customer_id}")
    source = locked.get(source_id) if source_id is not None else None
    moved: dict[str, int] = {}
    merged_from = None
    if source is not None and _provisional(session, source, identity):
        moved = _move_records(session, source.id, target.id)
        if target.email is None and source.email:
            target.email = source.email
        if target.phone is None and source.phone:
            target.phone = source.phone
        merged_from = source.id
    identity.customer_id = target.id
    session.flush()
    for model in ADOPTED:
        count = _reassign(
            session,
            model,
            (model.conversation_id == conversation_id) & model.customer_id.is_(None),
            target.id,
        )
        if count:
            moved[model.__tablename__] = moved.get(model.__tablename__, 0) + count
    if source is not None and merged_from is not None:
        session.delete(source)
        session.flush()
    if merged_from is not None or moved:
        log.info(
            "chat records merged: customer %s into %s, moved %s", merged_from, target.id, moved
        )
    return ChatMerge(target.id, merged_from, moved)


def _locked_identity(
    session: Session, channel: str, external_id: str, customer_id: int
) -> ChannelIdentity:
    """The chat's identity row, locked; created for `customer_id` when the chat had none."""
    query = (
        select(ChannelIdentity)
        .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    identity = session.scalar(query)
    if identity is not None:
        return identity
    try:
        with session.begin_nested():
            identity = ChannelIdentity(
                channel=channel, external_id=external_id, customer_id=customer_id
            )
            session.add(identity)
        return identity
    except IntegrityError:
        # created meanwhile (the chat registered a name at the same moment): merge that one
        identity = session.scalar(query)
        if identity is None:
            raise
        return identity


def _lock_customers(session: Session, ids: list[int]) -> dict[int, Customer]:
    """The customer rows, locked in id order (no cycle between two merges), read fresh."""
    rows = session.scalars(
        select(Customer)
        .where(Customer.id.in_(ids))
        .order_by(Customer.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {customer.id: customer for customer in rows}


def _provisional(session: Session, customer: Customer, identity: ChannelIdentity) -> bool:
    """A record the chat made (name and contact typed, never proved): no vehicle, never
    identified, not erased, and no other chat reaches it."""
    if customer.erased_at is not None or customer.identified_vehicle_id is not None:
        return False
    vehicles = session.scalar(
        select(func.count()).select_from(Vehicle).where(Vehicle.customer_id == customer.id)
    )
    others = session.scalar(
        select(func.count())
        .select_from(ChannelIdentity)
        .where(ChannelIdentity.customer_id == customer.id, ChannelIdentity.id != identity.id)
    )
    return vehicles == 0 and others == 0


def _move_records(session: Session, source_id: int, target_id: int) -> dict[str, int]:
    moved = {}
    for model in MOVED:
        count = _reassign(session, model, model.customer_id == source_id, target_id)
        if count:
            moved[model.__tablename__] = count
    return moved


def _reassign(
    session: Session, model: type[Any], condition: ColumnElement[bool], target_id: int
) -> int:
    done = session.execute(
        update(model)
        .where(condition)
        .values(customer_id=target_id)
        .execution_options(synchronize_session="fetch")
    )
    return int(done.rowcount or 0)
