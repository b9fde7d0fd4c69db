"""Run by tests/integration/test_rasa_tracker_store.py in Rasa's Python (.venv-rasa):
stores two conversations (one with two sessions and a customer's name, plate and slot),
then does what Rasa's `PUT /conversations/<id>/tracker/events` with `[]` does
(rasa/server.py `replace_events`: a tracker built from the body, then `save`), and prints
the events each sender still has in the store's table, as JSON.

    python rasa_tracker_store_run.py plain|erasable <rasa_project dir> <sqlite file>
"""

import asyncio
import json
import sys


async def main(kind: str, project: str, db: str) -> None:
    sys.path.insert(0, project)
    from pitlane_tracker_store import ErasableSQLTrackerStore
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.from_dict(
        {"slots": {"customer_name": {"type": "text", "mappings": [{"type": "custom"}]}}}
    )
    store_class = {"plain": SQLTrackerStore, "erasable": ErasableSQLTrackerStore}[kind]
    store = store_class(domain=domain, dialect="sqlite", db=db)
    customer = DialogueStateTracker("web:camille", domain.slots)
    for event in (
        ActionExecuted("action_session_start"),
        SessionStarted(),
        UserUttered("je suis Camille Martin"),
        SlotSet("customer_name", "Camille Martin"),
        ActionExecuted("action_session_start"),
        SessionStarted(),
        UserUttered("ma plaque AB-123-CD"),
    ):
        customer.update(event)
    await store.save(customer)
    other = DialogueStateTracker("web:someone-else", domain.slots)
    other.update(UserUttered("bonjour"))
    await store.save(other)

    await store.save(DialogueStateTracker.from_dict("web:camille", [], domain.slots))

    with store.session_scope() as session:
        rows = session.query(store.SQLEvent.sender_id, store.SQLEvent.data).all()
    left: dict = {}
    for sender, data in rows:
        left.setdefault(sender, []).append(json.loads(data))
    print(json.dumps(left))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
