"""Staff accounts' lifecycle, reset links and TOTP in the store (issue 14, item 8), on SQLite
and PostgreSQL, with real concurrent transactions where a rule must hold under concurrency."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pyotp
import pytest

from core import staff, staff_lifecycle, staff_reset, staff_totp
from core.errors import Conflict, Forbidden, InvalidCredentials, InvalidValue, TooManyAttempts
from core.uow import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
PASSWORD = "a-long-password-2026"


def member(uow_factory: UowFactory, email: str, role: str = "advisor") -> int:
    return staff.create_staff_user(
        uow_factory(), email=email, name=email.split("@")[0], role=role, password=PASSWORD
    ).id


def all_at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released together; each result or exception."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # the outcome under test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_admins_deactivating_each_other_at_once_leave_exactly_one_active_admin(
    uow_factory: UowFactory,
) -> None:
    admins = [member(uow_factory, f"admin{i}@x.example", "admin") for i in range(2)]

    results = all_at_once(
        2, lambda i: staff_lifecycle.deactivate_staff(uow_factory(), admins[1 - i], by=admins[i])
    )

    succeeded = [r for r in results if isinstance(r, staff.StaffView)]
    refused = [r for r in results if isinstance(r, (Conflict, Forbidden))]
    assert len(succeeded) == 1 and len(refused) == 1, results
    active_admins = [s for s in staff.list_staff(uow_factory()) if s.role == "admin" and s.active]
    assert len(active_admins) == 1


def test_deactivation_deletes_sessions_and_reset_links_and_stops_api_tokens(
    uow_factory: UowFactory, now: datetime
) -> None:
    admin = member(uow_factory, "boss@x.example", "admin")
    other = member(uow_factory, "other@x.example", "admin")
    token, _csrf = staff.open_session(uow_factory(), other, now)
    api_token = staff.create_api_token(uow_factory(), name="script", created_by=other)
    link = staff_reset.request_password_reset(
        uow_factory(), email="other@x.example", client_ip="1.2.3.4", now=now
    )
    assert link is not None

    view = staff_lifecycle.deactivate_staff(uow_factory(), other, by=admin)

    assert view.active is False and view.available is False
    assert staff.session_staff(uow_factory(), token, now) is None
    assert staff.api_token_staff(uow_factory(), api_token) is None
    assert not staff_reset.reset_link_valid(uow_factory(), link.token, now)
    with pytest.raises(InvalidValue):
        staff_reset.reset_password(uow_factory(), token=link.token, password=PASSWORD, now=now)


def test_an_advisor_cannot_deactivate_anyone(uow_factory: UowFactory) -> None:
    advisor = member(uow_factory, "adv@x.example")
    other = member(uow_factory, "adv2@x.example")

    with pytest.raises(Forbidden):
        staff_lifecycle.deactivate_staff(uow_factory(), other, by=advisor)

    assert all(s.active for s in staff.list_staff(uow_factory()))


def test_one_reset_link_used_by_eight_requests_at_once_changes_the_password_once(
    uow_factory: UowFactory, now: datetime
) -> None:
    staff_id = member(uow_factory, "lea@x.example")
    session_token, _ = staff.open_session(uow_factory(), staff_id, now)
    link = staff_reset.request_password_reset(
        uow_factory(), email="LEA@x.example ", client_ip="1.2.3.4", now=now
    )
    assert link is not None and link.email == "lea@x.example"

    results = all_at_once(
        8,
        lambda i: staff_reset.reset_password(
            uow_factory(), token=link.token, password=f"new-password-number-{i}", now=now
        ),
    )

    winners = [i for i, r in enumerate(results) if isinstance(r, staff.StaffView)]
    assert len(winners) == 1, results
    assert all(isinstance(r, InvalidValue) for i, r in enumerate(results) if i not in winners)
    assert staff.session_staff(uow_factory(), session_token, now) is None  # sessions ended
    signed = staff.authenticate(
        uow_factory(),
        email="lea@x.example",
        password=f"new-password-number-{winners[0]}",
        client_ip="1.2.3.4",
        now=now,
    )
    assert signed.id == staff_id


def test_a_reset_link_expires_after_thirty_minutes_and_only_the_newest_works(
    uow_factory: UowFactory, now: datetime
) -> None:
    member(uow_factory, "lea@x.example")
    first = staff_reset.request_password_reset(
        uow_factory(), email="lea@x.example", client_ip="1.2.3.4", now=now
    )
    second = staff_reset.request_password_reset(
        uow_factory(), email="lea@x.example", client_ip="1.2.3.4", now=now
    )
    assert first is not None and second is not None
    late = now + staff_reset.RESET_TTL + timedelta(seconds=1)

    assert not staff_reset.reset_link_valid(uow_factory(), first.token, now)
    assert staff_reset.reset_link_valid(uow_factory(), second.token, now)
    assert not staff_reset.reset_link_valid(uow_factory(), second.token, late)
    with pytest.raises(InvalidValue) as expired:
        staff_reset.reset_password(uow_factory(), token=second.token, password=PASSWORD, now=late)
    assert expired.value.code == "invalid_reset_link"


def test_reset_asks_are_limited_per_ip_and_silently_per_account(
    uow_factory: UowFactory, now: datetime
) -> None:
    member(uow_factory, "lea@x.example")
    links = [
        staff_reset.request_password_reset(
            uow_factory(), email="lea@x.example", client_ip=f"10.0.0.{i}", now=now
        )
        for i in range(5)
    ]
    unknown = staff_reset.request_password_reset(
        uow_factory(), email="nobody@x.example", client_ip="10.0.1.1", now=now
    )
    for _ in range(staff_reset.RESET_PER_IP - 1):
        staff_reset.request_password_reset(
            uow_factory(), email="nobody@x.example", client_ip="10.0.1.1", now=now
        )

    assert [link is not None for link in links] == [True, True, True, False, False]
    assert unknown is None
    with pytest.raises(TooManyAttempts):
        staff_reset.request_password_reset(
            uow_factory(), email="lea@x.example", client_ip="10.0.1.1", now=now
        )


def enrolled(uow_factory: UowFactory, now: datetime) -> tuple[int, str, list[str]]:
    staff_id = member(uow_factory, "totp@x.example")
    enrolment = staff_totp.start_enrolment(uow_factory(), staff_id)
    assert enrolment.uri.startswith("otpauth://totp/Pitlane:totp%40x.example?secret=")
    with pytest.raises(InvalidValue):
        staff_totp.confirm_enrolment(uow_factory(), staff_id, "000000", now - timedelta(hours=1))
    code = pyotp.TOTP(enrolment.secret).at(now - timedelta(seconds=30))
    codes = staff_totp.confirm_enrolment(uow_factory(), staff_id, code, now)
    return staff_id, enrolment.secret, codes


def test_one_totp_code_sent_four_times_at_once_is_accepted_once(
    uow_factory: UowFactory, now: datetime
) -> None:
    staff_id, secret, _codes = enrolled(uow_factory, now)
    code = pyotp.TOTP(secret).at(now)

    results = all_at_once(
        4, lambda i: staff_totp.check_second_factor(uow_factory(), staff_id, code, now)
    )

    assert results.count("totp") == 1, results
    assert sum(isinstance(r, InvalidCredentials) for r in results) == 3
    older = pyotp.TOTP(secret).at(now - timedelta(seconds=30))  # a step before the last used
    with pytest.raises(InvalidCredentials):
        staff_totp.check_second_factor(uow_factory(), staff_id, older, now)
    later = pyotp.TOTP(secret).at(now + timedelta(seconds=30))
    assert staff_totp.check_second_factor(uow_factory(), staff_id, later, now) == "totp"


def test_a_recovery_code_used_four_times_at_once_works_once(
    uow_factory: UowFactory, now: datetime
) -> None:
    staff_id, _secret, codes = enrolled(uow_factory, now)

    results = all_at_once(
        4, lambda i: staff_totp.check_second_factor(uow_factory(), staff_id, codes[0], now)
    )

    assert results.count("recovery") == 1, results
    assert staff_totp.recovery_codes_left(uow_factory(), staff_id) == 9


def test_a_pending_sign_in_is_consumed_once_and_expires(
    uow_factory: UowFactory, now: datetime
) -> None:
    staff_id, secret, _codes = enrolled(uow_factory, now)
    token = staff_totp.open_challenge(uow_factory(), staff_id, now)
    code = pyotp.TOTP(secret).at(now + timedelta(seconds=30))

    signed = staff_totp.complete_challenge(uow_factory(), token, code, now)

    assert signed.id == staff_id and signed.totp_enabled
    with pytest.raises(InvalidValue):
        staff_totp.complete_challenge(uow_factory(), token, code, now)
    stale = staff_totp.open_challenge(uow_factory(), staff_id, now)
    late = now + staff_totp.CHALLENGE_TTL + timedelta(seconds=1)
    assert staff_totp.challenge_staff(uow_factory(), stale, late) is None
