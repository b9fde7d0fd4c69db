"""The rules of staff accounts that need no database: e-mail addresses, password strength,
and token hashes (core/staff_accounts.py, core/staff_auth.py)."""

from __future__ import annotations

import pytest

from core.errors import InvalidValue
from core.staff import PASSWORD_MAX, PASSWORD_MIN, check_password_strength, clean_email, token_hash


def test_an_email_is_trimmed_and_lowercased() -> None:
    assert clean_email("  Nina.Rossi@Pitlane.EXAMPLE ") == "nina.rossi@pitlane.example"


@pytest.mark.parametrize(
    "email",
    ["", "nina", "nina@pitlane", "@pitlane.example", "nina rossi@pitlane.example", "a@b@c.fr"],
)
def test_something_that_is_not_an_email_is_refused(email: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        clean_email(email)
    assert refused.value.code == "invalid_email"


def test_an_email_longer_than_the_standard_allows_is_refused() -> None:
    with pytest.raises(InvalidValue):
        clean_email("n" * 250 + "@pitlane.example")


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("x" * (PASSWORD_MIN - 1), "weak_password"),
        ("", "weak_password"),
        (None, "weak_password"),
        ("x" * (PASSWORD_MAX + 1), "invalid_password"),
    ],
)
def test_a_password_too_short_or_too_long_is_refused(password: str | None, code: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        check_password_strength(password)  # type: ignore[arg-type]
    assert refused.value.code == code


def test_passwords_at_the_limits_are_accepted() -> None:
    assert check_password_strength("x" * PASSWORD_MIN) is None
    assert check_password_strength("x" * PASSWORD_MAX) is None


def test_only_the_sha256_of_a_token_is_kept() -> None:
    digest = token_hash("a-session-token")
    assert len(digest) == 64 and "a-session-token" not in digest
    assert token_hash("a-session-token") == digest
    assert token_hash("another-token") != digest
