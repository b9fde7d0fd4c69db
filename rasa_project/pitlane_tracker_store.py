"""Rasa's SQL tracker store with a real erasure (endpoints.yml: `pitlane_tracker_store.
ErasableSQLTrackerStore`), for the trackers of customers who erased their account.

Rasa 3.6 has no route that deletes a tracker. `PUT /conversations/<id>/tracker/events`
"replaces" the events: it builds a tracker from the body and calls `tracker_store.save`
(rasa/server.py `replace_events`, under the conversation's lock). That empties an in-memory
store, but `SQLTrackerStore.save` only *appends* the events beyond those already stored
(`_additional_events` slices the tracker's events after the stored count), so an empty
replacement writes nothing and every event, slot and text stays in the `events` table.

This store keeps everything else of `SQLTrackerStore` and reads a save of a tracker with no
event as that replacement: it deletes every stored event of the sender, in all its
sessions. Rasa itself never saves an empty tracker for a conversation that has events:
`create_tracker` runs only when `retrieve` found none, and every other save carries the
events it retrieved. The hub sends `PUT ... /tracker/events` with `[]` and the API token
(channels/rasa_client.py, `erase_tracker`). Loaded by Rasa: Rasa's Python, no Pitlane import.
"""

from __future__ import annotations

import logging
from typing import Text

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

log = logging.getLogger(__name__)


class ErasableSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` where saving an empty tracker deletes the sender's stored events."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        if not tracker.events:
            self.erase(tracker.sender_id)
            return
        await super().save(tracker)

    def erase(self, sender_id: Text) -> int:
        """Delete every stored event of `sender_id` (all sessions); returns how many."""
        with self.session_scope() as session:
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        log.info("erased a tracker: %d events deleted", deleted)
        return deleted
