"""Staff accounts: creation, rate-limited logins, sessions, API tokens and availability."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import manage
from core.errors import Conflict, Forbidden, InvalidCredentials, InvalidValue, TooManyAttempts
from core.handoff import accept, request_handoff
from core.models import StaffSession, StaffUser
from core.seed import ensure_demo_staff
from core.staff import (
    advisor_available,
    api_token_staff,
    authenticate,
    close_session,
    create_api_token,
    create_staff_user,
    heartbeat,
    list_staff,
    open_session,
    password_hasher,
    revoke_api_token,
    session_staff,
    set_availability,
    token_hash,
)

PASSWORD = "correct-horse-battery"


@pytest.fixture
def nina(uow_factory):
    return create_staff_user(
        uow_factory(),
        email="  Nina@Pitlane.Example ",
        name="Nina Roux",
        role="advisor",
        password=PASSWORD,
    )


def login(uow_factory, now, email="nina@pitlane.example", password=PASSWORD, ip="10.0.0.1"):
    return authenticate(uow_factory(), email=email, password=password, client_ip=ip, now=now)


def test_a_staff_user_is_created_with_a_lowercased_email_and_an_argon2id_hash(
    uow_factory, nina
) -> None:
    assert (nina.email, nina.name, nina.role) == ("nina@pitlane.example", "Nina Roux", "advisor")
    assert (nina.max_conversations, nina.available, nina.last_seen_at) == (3, False, None)
    with uow_factory() as uow:
        stored = uow.session.scalar(select(StaffUser.password_hash))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert list_staff(uow_factory()) == [nina]


def test_a_second_user_with_the_same_email_is_a_conflict(uow_factory, nina) -> None:
    with pytest.raises(Conflict) as caught:
        create_staff_user(
            uow_factory(),
            email="NINA@pitlane.example",
            name="Other",
            role="admin",
            password=PASSWORD,
        )
    assert caught.value.code == "email_taken"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"password": "short-pw"}, "weak_password"),
        ({"email": "not-an-email"}, "invalid_email"),
        ({"role": "owner"}, "invalid_role"),
        ({"name": "   "}, "invalid_name"),
    ],
)
def test_a_weak_password_a_bad_email_role_or_name_is_refused(uow_factory, fields, code) -> None:
    values = {"email": "a@pitlane.example", "name": "Ann", "role": "advisor", "password": PASSWORD}
    with pytest.raises(InvalidValue) as caught:
        create_staff_user(uow_factory(), **{**values, **fields})
    assert caught.value.code == code
    assert list_staff(uow_factory()) == []


def test_the_right_password_authenticates_whatever_the_email_case(uow_factory, nina, now) -> None:
    assert login(uow_factory, now, email="NINA@pitlane.example ") == nina


def test_a_wrong_password_and_an_unknown_email_give_the_same_error(uow_factory, nina, now) -> None:
    with pytest.raises(InvalidCredentials) as wrong:
        login(uow_factory, now, password="wrong-password")
    with pytest.raises(InvalidCredentials) as unknown:
        login(uow_factory, now, email="nobody@pitlane.example")
    assert wrong.value.code == unknown.value.code == "invalid_credentials"
    assert wrong.value.message == unknown.value.message


def test_a_hash_with_old_parameters_is_upgraded_at_the_next_login(uow_factory, nina, now) -> None:
    weak = type(password_hasher())(time_cost=1, memory_cost=8192, parallelism=1)
    with uow_factory() as uow:
        uow.session.get_one(StaffUser, nina.id).password_hash = weak.hash(PASSWORD)
        uow.commit()

    login(uow_factory, now)

    with uow_factory() as uow:
        upgraded = uow.session.get_one(StaffUser, nina.id).password_hash
    assert not password_hasher().check_needs_rehash(upgraded)
    password_hasher().verify(upgraded, PASSWORD)


def test_failures_on_an_email_from_many_addresses_never_lock_out_its_owner(
    uow_factory, nina, now
) -> None:
    for minute in range(8):
        with pytest.raises(InvalidCredentials):
            login(
                uow_factory,
                now + timedelta(minutes=minute),
                password="bad-guess",
                ip=f"10.1.0.{minute}",
            )

    assert login(uow_factory, now + timedelta(minutes=8), ip="10.9.9.9") == nina


def test_an_attacker_hammering_an_account_waits_longer_after_each_failure(
    uow_factory, nina, now
) -> None:
    waits = []
    at = now
    for _ in range(10):
        try:
            login(uow_factory, at, password="bad-guess", ip="203.0.113.9")
        except InvalidCredentials:
            continue
        except TooManyAttempts as refused:
            waits.append(refused.retry_after_seconds)
            at += timedelta(seconds=refused.retry_after_seconds)  # waits, then tries again

    assert waits == [30, 60, 120]  # after 5 free failures: 30 s, then doubled each time
    # meanwhile the owner signs in from another address at once
    assert login(uow_factory, now + timedelta(seconds=1), ip="198.51.100.4") == nina


def test_attempts_while_throttled_are_refused_before_the_password_check(
    uow_factory, nina, now
) -> None:
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            login(uow_factory, now, password="bad-guess", ip="203.0.113.9")

    for _ in range(3):  # the right password too: the delay holds, and does not grow
        with pytest.raises(TooManyAttempts) as caught:
            login(uow_factory, now + timedelta(seconds=10), ip="203.0.113.9")
        assert caught.value.retry_after_seconds == 20
    assert login(uow_factory, now + timedelta(seconds=30), ip="203.0.113.9") == nina


def test_five_failures_from_one_ip_slow_that_ip_for_every_email(uow_factory, nina, now) -> None:
    for index in range(5):
        with pytest.raises(InvalidCredentials):
            login(uow_factory, now, email=f"guess{index}@pitlane.example", ip="203.0.113.7")

    with pytest.raises(TooManyAttempts) as caught:
        login(uow_factory, now + timedelta(seconds=10), ip="203.0.113.7")
    assert caught.value.retry_after_seconds == 20
    assert login(uow_factory, now + timedelta(seconds=10), ip="198.51.100.1") == nina


def test_a_success_does_not_erase_the_failures_of_the_ip(uow_factory, nina, now) -> None:
    for index in range(4):
        with pytest.raises(InvalidCredentials):
            login(uow_factory, now, email=f"guess{index}@pitlane.example", ip="203.0.113.7")
    assert login(uow_factory, now, ip="203.0.113.7") == nina  # the attacker's own account

    with pytest.raises(InvalidCredentials):
        login(uow_factory, now, email="guess9@pitlane.example", ip="203.0.113.7")
    with pytest.raises(TooManyAttempts):
        login(uow_factory, now, ip="203.0.113.7")


def test_a_success_resets_the_count_of_its_own_email(uow_factory, nina, now) -> None:
    for minute in range(4):
        with pytest.raises(InvalidCredentials):
            login(
                uow_factory,
                now + timedelta(minutes=minute),
                password="typo-typo-typo",
                ip=f"10.2.0.{minute}",
            )
    assert login(uow_factory, now + timedelta(minutes=5), ip="10.2.1.1") == nina

    with pytest.raises(InvalidCredentials):  # a 5th failure in 15 minutes, but after a success
        login(uow_factory, now + timedelta(minutes=6), password="typo-typo-typo", ip="10.2.1.2")
    assert login(uow_factory, now + timedelta(minutes=7), ip="10.2.1.3") == nina


def test_a_session_gives_the_staff_and_csrf_until_it_expires(uow_factory, nina, now) -> None:
    token, csrf = open_session(uow_factory(), nina.id, now, ttl=timedelta(hours=1))

    assert session_staff(uow_factory(), token, now + timedelta(minutes=59)) == (nina, csrf)
    assert session_staff(uow_factory(), token, now + timedelta(hours=1)) is None
    assert session_staff(uow_factory(), "forged-token", now) is None
    assert session_staff(uow_factory(), "", now) is None
    with uow_factory() as uow:
        stored = uow.session.scalar(select(StaffSession.token_hash))
    assert stored == token_hash(token) != token


def test_a_closed_session_is_gone_and_other_sessions_stay(uow_factory, nina, now) -> None:
    first, _ = open_session(uow_factory(), nina.id, now)
    second, csrf = open_session(uow_factory(), nina.id, now)
    assert first != second

    close_session(uow_factory(), first)
    close_session(uow_factory(), first)  # twice: nothing happens

    assert session_staff(uow_factory(), first, now) is None
    assert session_staff(uow_factory(), second, now) == (nina, csrf)


def test_an_admin_api_token_identifies_its_creator_until_revoked(
    uow_factory, add_staff, now
) -> None:
    admin_id = add_staff("Ada Admin", role="admin")
    token = create_api_token(uow_factory(), name="nightly export", created_by=admin_id)

    staff = api_token_staff(uow_factory(), token)
    assert staff is not None and (staff.id, staff.role) == (admin_id, "admin")
    assert api_token_staff(uow_factory(), token + "x") is None

    assert revoke_api_token(uow_factory(), token, now) is True
    assert revoke_api_token(uow_factory(), token, now) is False
    assert api_token_staff(uow_factory(), token) is None


def test_an_advisor_cannot_create_an_api_token(uow_factory, add_staff) -> None:
    with pytest.raises(Forbidden):
        create_api_token(uow_factory(), name="mine", created_by=add_staff(role="advisor"))


def test_setting_availability_and_the_maximum_marks_the_advisor_seen(
    uow_factory, nina, now
) -> None:
    view = set_availability(uow_factory(), nina.id, available=True, max_conversations=5, now=now)

    assert (view.available, view.max_conversations, view.last_seen_at) == (True, 5, now)
    away = set_availability(uow_factory(), nina.id, available=False, now=now)
    assert (away.available, away.max_conversations) == (False, 5)
    with pytest.raises(InvalidValue):
        set_availability(uow_factory(), nina.id, available=True, max_conversations=0, now=now)


def test_an_available_advisor_counts_until_the_console_is_silent_for_three_minutes(
    uow_factory, add_staff, now
) -> None:
    advisor = add_staff(available=True, seen=now)
    assert advisor_available(uow_factory(), now + timedelta(minutes=3)) is True
    assert advisor_available(uow_factory(), now + timedelta(minutes=3, seconds=1)) is False

    heartbeat(uow_factory(), advisor, now + timedelta(minutes=3))
    assert advisor_available(uow_factory(), now + timedelta(minutes=5)) is True


def test_nobody_is_available_when_every_advisor_is_away(uow_factory, add_staff, now) -> None:
    add_staff(available=False, seen=now)
    assert advisor_available(uow_factory(), now) is False


def test_an_advisor_at_their_maximum_is_not_available(
    uow_factory, add_staff, add_conversation, now
) -> None:
    advisor = add_staff(available=True, seen=now, max_conversations=1)
    request = request_handoff(uow_factory(), add_conversation(), now)
    assert advisor_available(uow_factory(), now) is True

    accept(uow_factory(), request.id, advisor, now)

    assert advisor_available(uow_factory(), now) is False
    set_availability(uow_factory(), advisor, available=True, max_conversations=2, now=now)
    assert advisor_available(uow_factory(), now) is True


def test_the_demo_staff_of_the_dataset_can_log_in(seeded_uow_factory, now) -> None:
    advisor = login(
        seeded_uow_factory, now, email="conseiller@pitlane.example", password="advisor-demo-2026"
    )
    assert advisor.role == "advisor"
    assert {(s.email, s.role) for s in list_staff(seeded_uow_factory())} == {
        ("conseiller@pitlane.example", "advisor"),
        ("admin@pitlane.example", "admin"),
        ("mecanicien.paris@pitlane.example", "mechanic"),
        ("mecanicien.lyon@pitlane.example", "mechanic"),
        ("chef-atelier@pitlane.example", "manager"),
        # issue 16: planning (the agencies' mechanics)
        ("mecanicien2.paris@pitlane.example", "mechanic"),
        ("mecanicien3.paris@pitlane.example", "mechanic"),
        ("mecanicien2.lyon@pitlane.example", "mechanic"),
    }
    mechanic = login(
        seeded_uow_factory,
        now,
        email="mecanicien.paris@pitlane.example",
        password="mechanic-demo-2026",
    )
    assert mechanic.role == "mechanic"


def test_the_demo_staff_are_added_once_to_a_database_seeded_without_them(uow_factory) -> None:
    assert ensure_demo_staff(uow_factory()) == 8
    assert ensure_demo_staff(uow_factory()) == 0
    assert len(list_staff(uow_factory())) == 8


def test_the_cli_creates_a_staff_user_reading_the_password_from_stdin(
    sqlite_url, monkeypatch, capsys, now
) -> None:
    monkeypatch.setenv("PITLANE_DATABASE_URL", sqlite_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-secret-1\n"))
    args = ["create-staff", "--email", "Rene@Pitlane.Example", "--name", "René", "--role", "admin"]

    assert manage.main([*args, "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-secret-1\n"))
    assert manage.main([*args, "--password-stdin"]) == 1  # the e-mail exists now

    output = capsys.readouterr()
    assert "rene@pitlane.example created" in output.out and "already exists" in output.err
    assert "a-long-secret-1" not in output.out + output.err
