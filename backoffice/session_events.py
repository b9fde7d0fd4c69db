"""Telling a staff member's open consoles that some of their sessions ended (issue 14, item 8).

Whenever the web layer ends sessions (an account deactivated, a password or two-factor
reset, a sign-out), it publishes `session_revoked` on `advisor:{staff_id}` through the app's
bus. Every console socket of that member, on this replica or another one sharing the bus,
then reads its own session again from the database and closes when it is gone
(backoffice/console_socket.py): at once, not at its next heartbeat. The event names no
session, so a socket never trusts it: the database decides.
"""

from __future__ import annotations

import logging

from starlette.requests import HTTPConnection

from hub.topics import advisor_topic, session_revoked_event

log = logging.getLogger(__name__)


async def announce_sessions_ended(connection: HTTPConnection, staff_id: int) -> None:
    """Ask `staff_id`'s consoles to check their session now (after the change is committed).

    A bus failure is logged, not raised: the change is done, and each console still checks
    its session at its next heartbeat (30 s)."""
    try:
        await connection.app.state.bus.publish(advisor_topic(staff_id), session_revoked_event())
    except Exception:  # the bus is across replicas (Redis): down must not undo the change
        log.exception("could not announce the end of staff %s's sessions", staff_id)
