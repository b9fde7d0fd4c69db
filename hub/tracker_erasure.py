"""The scheduler's job that erases the Rasa trackers erased customers still owe.

Each due row (core/tracker_erasure.py) is claimed, then Rasa is asked to erase the tracker;
done when Rasa answered, kept for a later attempt (with the reason) when it did not. Rasa
down for a day delays the erasure by a day; it never loses it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.tracker_erasure import (
    claim_tracker_erasure,
    due_tracker_erasures,
    mark_tracker_erased,
    mark_tracker_erasure_failed,
)
from hub.deps import HubDeps
from hub.ports import RasaUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErasureRun:
    erased: int = 0
    failed: int = 0


async def erase_owed_trackers(hub: HubDeps) -> ErasureRun:
    """One pass over the due tracker erasures; returns how many were erased and failed."""
    erased = failed = 0
    for erasure_id in await hub.core(due_tracker_erasures, hub.now()):
        sender = await hub.core(claim_tracker_erasure, erasure_id, hub.now())
        if sender is None:  # another replica has it, or it is done
            continue
        try:
            await hub.brain.erase_tracker(sender)
        except RasaUnavailable as exc:
            failed += 1
            await hub.core(mark_tracker_erasure_failed, erasure_id, str(exc) or "rasa_unavailable")
            continue
        erased += 1
        await hub.core(mark_tracker_erased, erasure_id, hub.now())
    if erased or failed:
        log.info("tracker erasures: %d done, %d to retry", erased, failed)
    return ErasureRun(erased, failed)
