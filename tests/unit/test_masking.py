"""Contacts shown masked when the customer chooses where a code goes."""

from __future__ import annotations

import pytest

from core.identity import mask_email, mask_phone


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+33612345642", "06 •• •• •• 42"),
        ("+33739984512", "07 •• •• •• 12"),
        ("+447700900123", "+44 •• •• •• 23"),
    ],
)
def test_phones_keep_only_their_first_and_last_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("jean@gmail.com", "j•••@gmail.com"),
        ("camille.martin@example.fr", "c•••@example.fr"),
        ("a@b.fr", "a•••@b.fr"),
    ],
)
def test_emails_keep_their_first_letter_and_domain(email: str, masked: str) -> None:
    assert mask_email(email) == masked
