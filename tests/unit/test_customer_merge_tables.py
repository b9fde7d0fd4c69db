"""The merge of a chat's records knows every table that points at a customer: a new one
must be added to core.customer_merge.MOVED (or handled apart), or its rows would be lost
when the emptied record is deleted."""

from __future__ import annotations

from core.customer_merge import HANDLED_APART, MOVED
from core.models import Base


def test_every_reference_to_a_customer_is_moved_or_handled_apart_by_the_merge() -> None:
    referencing = {
        foreign_key.parent.table.name
        for table in Base.metadata.tables.values()
        for foreign_key in table.foreign_keys
        if foreign_key.column.table.name == "customers"
    }
    moved = {model.__tablename__ for model in MOVED}
    assert referencing == moved | set(HANDLED_APART)
