"""Maintenance reminders from the vehicle's history (issue 16, item 9).

A customer says yes to "tell me when the service is due" for their identified vehicle (a row
of `maintenance_subscriptions`); "stop" (or no) withdraws it. The vehicle is due on the
earlier of: the day after a year since its last service (core.maintenance.service_overdue),
and the day its odometer should reach the last service's reading + SERVICE_MILEAGE_KM at its
usual yearly distance (core.mileage.yearly_km: the readings' slope, or a default). The last
service is the latest one in its history, or the one the customer told in the maintenance
check when later. With no known last service nothing is due.

One reminder per service cycle: `sent_due_on` keeps the due date of the last reminder, and a
row is claimable again only once a service on or after that date is known. The sender claims
a row with one conditional UPDATE (not claimed, or its claim older than CLAIM_TIMEOUT, and
nothing sent for this cycle), so of several replicas waking up at once exactly one sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.errors import InvalidValue, NotFound
from core.formatting import local_time
from core.maintenance import SERVICE_MILEAGE_KM, service_overdue
from core.mileage import day_when_reached, km_on, yearly_km
from core.models import Customer, MaintenanceSubscription, Vehicle
from core.reminders import ChannelRecipient, _language, _recipients
from core.uow import UnitOfWork
from core.vehicle_history import VehicleHistory, history

CLAIM_TIMEOUT = timedelta(minutes=10)


@dataclass(frozen=True)
class Due:
    on: date
    reason: str  # "year" | "mileage"
    last_service: date


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    vehicle_id: int
    customer_id: int
    channel: str
    active: bool
    opted_in_at: datetime
    declared_last_service: date | None
    sent_due_on: date | None
    sent_at: datetime | None


@dataclass(frozen=True)
class MaintenanceReminderTask:
    subscription_id: int
    claimed_at: datetime
    due: Due
    vehicle: str  # "Yamaha MT-07 (AB-123-CD)"
    first_name: str
    language: str
    recipients: tuple[ChannelRecipient, ...]


def year_due_on(last_service: date) -> date:
    """The first day the service is overdue by age (a year and a day after it)."""
    day = last_service + timedelta(days=365)
    while not service_overdue(last_service, day):
        day += timedelta(days=1)
    return day


def due_for(vehicle: VehicleHistory, declared: date | None, tz: str) -> Due | None:
    """When the vehicle's next service is due, and why; None with no known last service."""
    known = [d for d in (vehicle.last_service, declared) if d is not None]
    if not known:
        return None
    last = max(known)
    candidates = [Due(year_due_on(last), "year", last)]
    readings = list(vehicle.readings)
    if readings:

        def day_of(moment: datetime) -> date:
            return local_time(moment, tz).date()

        at_service = km_on(readings, last, day_of)
        if at_service is not None:
            target = at_service + SERVICE_MILEAGE_KM
            on = day_when_reached(readings[0], target, yearly_km(readings), day_of)
            candidates.append(Due(max(on, last + timedelta(days=1)), "mileage", last))
    return min(candidates, key=lambda due: due.on)


def subscribe(
    uow: UnitOfWork,
    *,
    customer_id: int,
    vehicle_id: int,
    channel: str,
    now: datetime,
    declared_last_service: date | None = None,
) -> SubscriptionView:
    """Opt in (again) for the customer's vehicle; InvalidValue("vehicle_not_customers")."""
    if declared_last_service is not None and declared_last_service > now.date():
        raise InvalidValue("date_in_future", "a last service cannot be in the future")
    with uow:
        session = uow.session
        owner = session.scalar(select(Vehicle.customer_id).where(Vehicle.id == vehicle_id))
        if owner is None or owner != customer_id:
            raise InvalidValue("vehicle_not_customers", "this vehicle is not the customer's")
        values = {"customer_id": customer_id, "channel": channel, "opted_out_at": None}
        if declared_last_service is not None:
            values["declared_last_service"] = declared_last_service
        changed = session.execute(
            update(MaintenanceSubscription)
            .where(MaintenanceSubscription.vehicle_id == vehicle_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed == 0:
            session.add(
                MaintenanceSubscription(
                    vehicle_id=vehicle_id,
                    customer_id=customer_id,
                    channel=channel,
                    declared_last_service=declared_last_service,
                    opted_in_at=now,
                )
            )
            try:
                session.flush()
            except IntegrityError:  # the same yes twice at once: the other one made it
                uow.rollback()
                return subscribe(
                    uow,
                    customer_id=customer_id,
                    vehicle_id=vehicle_id,
                    channel=channel,
                    now=now,
                    declared_last_service=declared_last_service,
                )
        view = _view(session.scalars(_by_vehicle(vehicle_id)).one())
        uow.commit()
        return view


def unsubscribe(uow: UnitOfWork, customer_id: int, now: datetime) -> int:
    """Opt out of every maintenance reminder of the customer; how many were active."""
    with uow:
        count = uow.session.execute(
            update(MaintenanceSubscription)
            .where(
                MaintenanceSubscription.customer_id == customer_id,
                MaintenanceSubscription.opted_out_at.is_(None),
            )
            .values(opted_out_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        uow.commit()
        return int(count)


def subscription_of(uow: UnitOfWork, vehicle_id: int) -> SubscriptionView | None:
    with uow:
        row = uow.session.scalars(_by_vehicle(vehicle_id)).first()
        return None if row is None else _view(row)


def active_subscriptions(uow: UnitOfWork) -> list[int]:
    """Ids of the subscriptions not opted out (the scheduler looks at each)."""
    with uow:
        return list(
            uow.session.scalars(
                select(MaintenanceSubscription.id)
                .where(MaintenanceSubscription.opted_out_at.is_(None))
                .order_by(MaintenanceSubscription.id)
            )
        )


def claim(uow: UnitOfWork, subscription_id: int, now: datetime) -> MaintenanceReminderTask | None:
    """Take the subscription for sending when its vehicle is due and nothing was sent for
    this service cycle; None otherwise (not due, opted out, sent, being sent elsewhere)."""
    with uow:
        session = uow.session
        row = session.get(MaintenanceSubscription, subscription_id)
        if row is None or row.opted_out_at is not None:
            return None
        try:
            vehicle = history(uow, row.vehicle_id, now)
        except NotFound:
            return None
        due = due_for(vehicle, row.declared_last_service, uow.timezone)
        today = local_time(now, uow.timezone).date()
        if due is None or due.on > today:
            return None
        claimed = session.execute(
            update(MaintenanceSubscription)
            .where(
                MaintenanceSubscription.id == subscription_id,
                MaintenanceSubscription.opted_out_at.is_(None),
                or_(
                    MaintenanceSubscription.sent_due_on.is_(None),
                    MaintenanceSubscription.sent_due_on <= due.last_service,
                ),
                or_(
                    MaintenanceSubscription.claimed_at.is_(None),
                    MaintenanceSubscription.claimed_at <= now - CLAIM_TIMEOUT,
                ),
            )
            .values(claimed_at=now, claimed_due_on=due.on)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            uow.rollback()
            return None
        customer = session.get(Customer, row.customer_id)
        if customer is None or customer.erased_at is not None:
            uow.rollback()
            return None
        recipients = _recipients(session, customer, row.channel)
        task = MaintenanceReminderTask(
            subscription_id=subscription_id,
            claimed_at=now,
            due=due,
            vehicle=vehicle.label,
            first_name=vehicle.owner_first_name,
            language=_language(session, customer, recipients),
            recipients=recipients,
        )
        uow.commit()
        return task


def finish(uow: UnitOfWork, task: MaintenanceReminderTask, *, sent: bool, now: datetime) -> bool:
    """Close the claim: this cycle is done (sent or not: a customer no channel reaches is not
    retried every hour); `sent_at` only when it reached them. False when the claim was
    taken over meanwhile."""
    values: dict[str, object] = {"claimed_at": None, "sent_due_on": task.due.on}
    if sent:
        values["sent_at"] = now
    with uow:
        changed = uow.session.execute(
            update(MaintenanceSubscription)
            .where(
                and_(
                    MaintenanceSubscription.id == task.subscription_id,
                    MaintenanceSubscription.claimed_at == task.claimed_at,
                )
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        ).rowcount
        uow.commit()
        return changed == 1


def _by_vehicle(vehicle_id: int):  # type: ignore[no-untyped-def]
    return select(MaintenanceSubscription).where(MaintenanceSubscription.vehicle_id == vehicle_id)


def _view(row: MaintenanceSubscription) -> SubscriptionView:
    return SubscriptionView(
        id=row.id,
        vehicle_id=row.vehicle_id,
        customer_id=row.customer_id,
        channel=row.channel,
        active=row.opted_out_at is None,
        opted_in_at=row.opted_in_at,
        declared_last_service=row.declared_last_service,
        sent_due_on=row.sent_due_on,
        sent_at=row.sent_at,
    )
