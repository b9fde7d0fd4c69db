"""Helpers of the one-time code limit tests: conversations from an address, Camille's bike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from core import conversations, otp
from core.models import OtpEvent, Vehicle
from core.otp_checks import check_typed_code, take_check
from core.otp_limits import DEFAULT_LIMITS, Limits
from core.uow import UnitOfWork

CAMILLE_PLATE, CAMILLE_VIN = "AB-123-CD", "ZDM1RBBW5KB012345"
CAMILLE_PHONE = "+33639984512"


def chat(uow: Callable[[], UnitOfWork], external_id: str, ip: str | None = None) -> int:
    """A web conversation (created), writing from `ip`."""
    conversation = conversations.get_or_create_conversation(uow(), "web", external_id)
    if ip is not None:
        conversations.set_client_ip(uow(), conversation.id, ip)
    return conversation.id


def camille_bike(uow: Callable[[], UnitOfWork]) -> int:
    with uow() as unit:
        return unit.session.scalar(select(Vehicle.id).where(Vehicle.plate == CAMILLE_PLATE))


def send_identification(
    uow: Callable[[], UnitOfWork],
    conversation_id: int,
    now: datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """A code to Camille's phone for this conversation; the code."""
    _, code = otp.start_identification(
        uow(),
        conversation_id=conversation_id,
        vehicle_id=camille_bike(uow),
        transport="sms",
        now=now,
        limits=limits,
    )
    return code


def wrong_for(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def typed(
    uow: Callable[[], UnitOfWork],
    conversation_id: int,
    code: str,
    now: datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """What the hub does with a typed code: the outcome recorded for the action."""
    return check_typed_code(
        uow(), conversation_id=conversation_id, code=code, now=now, limits=limits
    )


def taken(uow: Callable[[], UnitOfWork], conversation_id: int, now: datetime):  # noqa: ANN201
    return take_check(uow(), conversation_id=conversation_id, now=now)


def events(uow: Callable[[], UnitOfWork], kind: str) -> list[dict[str, object]]:
    """The recorded events of `kind`, as plain values."""
    with uow() as unit:
        rows = unit.session.scalars(select(OtpEvent).where(OtpEvent.kind == kind))
        return [{c.name: getattr(row, c.name) for c in OtpEvent.__table__.columns} for row in rows]
