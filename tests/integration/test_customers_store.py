"""Customers remembered per channel identity."""

from __future__ import annotations

import pytest

from core.customers import find_customer, register_customer
from core.errors import InvalidValue


def register(uow_factory, external_id="visitor-1", contact="06 12 34 56 78", **kw):
    return register_customer(
        uow_factory(),
        channel=kw.pop("channel", "web"),
        external_id=external_id,
        name=kw.pop("name", "  Camille   Martin "),
        contact=contact,
        language=kw.pop("language", "fr"),
    )


def test_an_unknown_identity_finds_no_customer(uow_factory) -> None:
    assert find_customer(uow_factory(), "web", "nobody") is None


def test_a_registered_customer_is_found_by_channel_and_external_id(uow_factory) -> None:
    customer = register(uow_factory)

    assert (customer.name, customer.phone, customer.email) == (
        "Camille Martin",
        "+33612345678",
        None,
    )
    assert find_customer(uow_factory(), "web", "visitor-1") == customer
    assert find_customer(uow_factory(), "telegram", "visitor-1") is None


def test_registering_an_existing_identity_updates_it_instead_of_duplicating(uow_factory) -> None:
    first = register(uow_factory)

    second = register(uow_factory, contact="Camille@Example.fr", name="Camille M.", language="en")

    assert second.id == first.id
    assert (second.name, second.email, second.phone, second.language) == (
        "Camille M.",
        "camille@example.fr",
        "+33612345678",
        "en",
    )


def test_invalid_names_and_contacts_are_refused_and_nothing_is_stored(uow_factory) -> None:
    with pytest.raises(InvalidValue) as error:
        register(uow_factory, contact="not a contact")
    assert error.value.code == "invalid_contact"
    with pytest.raises(InvalidValue) as error:
        register(uow_factory, name="   ")
    assert error.value.code == "invalid_name"
    assert find_customer(uow_factory(), "web", "visitor-1") is None
