"""Customers' rate-limit windows in the database: counted atomically, shared by replicas."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.customer_limits import CustomerLimits, count_action, prune_windows
from core.errors import CustomerOverLimit
from core.models import CustomerRateWindow

LIMITS = CustomerLimits(window_seconds=60, messages_per_sender=3, messages_per_ip=5)


def test_a_sender_gets_exactly_its_limit_then_a_refusal_that_says_when_to_retry(
    uow_factory, now
) -> None:
    for _ in range(3):
        count_action(uow_factory(), LIMITS, "message", now, sender=("web", "a"))
    with pytest.raises(CustomerOverLimit) as first:
        count_action(
            uow_factory(), LIMITS, "message", now + timedelta(seconds=20), sender=("web", "a")
        )
    with pytest.raises(CustomerOverLimit) as second:
        count_action(
            uow_factory(), LIMITS, "message", now + timedelta(seconds=21), sender=("web", "a")
        )
    assert first.value.retry_after_seconds == 40
    assert first.value.scope == "sender" and first.value.action == "message"
    assert first.value.first_refusal and not second.value.first_refusal
    # another sender and another action have their own windows
    count_action(uow_factory(), LIMITS, "message", now, sender=("web", "b"))
    count_action(uow_factory(), LIMITS, "upload", now, sender=("web", "a"))


def test_a_new_window_starts_once_the_old_one_is_over(uow_factory, now) -> None:
    for _ in range(3):
        count_action(uow_factory(), LIMITS, "message", now, sender=("telegram", "7"))
    with pytest.raises(CustomerOverLimit):
        count_action(uow_factory(), LIMITS, "message", now, sender=("telegram", "7"))
    later = now + timedelta(seconds=60)
    for _ in range(3):
        count_action(uow_factory(), LIMITS, "message", later, sender=("telegram", "7"))
    with pytest.raises(CustomerOverLimit) as again:
        count_action(uow_factory(), LIMITS, "message", later, sender=("telegram", "7"))
    assert again.value.first_refusal  # once per window: the new window says it again


def test_one_ip_is_limited_across_its_senders(uow_factory, now) -> None:
    for i in range(5):
        count_action(uow_factory(), LIMITS, "message", now, sender=("web", f"s{i}"), ip="10.0.0.1")
    with pytest.raises(CustomerOverLimit) as refused:
        count_action(uow_factory(), LIMITS, "message", now, sender=("web", "s9"), ip="10.0.0.1")
    assert refused.value.scope == "ip"
    count_action(uow_factory(), LIMITS, "message", now, sender=("web", "s9"), ip="10.0.0.2")


def test_old_windows_are_pruned(uow_factory, now) -> None:
    count_action(uow_factory(), LIMITS, "message", now - timedelta(hours=2), ip="1.1.1.1")
    count_action(uow_factory(), LIMITS, "message", now, ip="2.2.2.2")
    assert prune_windows(uow_factory(), now, timedelta(hours=1)) == 1


def test_twenty_concurrent_messages_of_one_sender_let_exactly_the_limit_through(
    racing_uow, now
) -> None:
    limits = CustomerLimits(messages_per_sender=7, messages_per_ip=1000)
    barrier = threading.Barrier(20)
    passed: list[int] = []
    refused: list[CustomerOverLimit] = []
    errors: list[BaseException] = []

    def send(i: int) -> None:
        barrier.wait()
        try:
            count_action(
                racing_uow(), limits, "message", now, sender=("web", "racer"), ip="9.9.9.9"
            )
            passed.append(i)
        except CustomerOverLimit as exc:
            refused.append(exc)
        except BaseException as exc:  # asserted below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(passed) == 7 and len(refused) == 13
    assert sum(exc.first_refusal for exc in refused) == 1
    with racing_uow() as uow:
        total = uow.session.scalar(
            select(CustomerRateWindow.count).where(
                CustomerRateWindow.key == "message:sender:web:racer"
            )
        )
        rows = uow.session.scalar(select(func.count()).select_from(CustomerRateWindow))
    assert total == 20 and rows == 2
