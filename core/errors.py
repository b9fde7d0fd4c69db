"""The exceptions core raises; each adapter maps them to its medium once."""

from __future__ import annotations

from datetime import datetime


class PitlaneError(Exception):
    """Base of every domain error: a stable machine `code` and a readable message."""

    default_code = "error"

    def __init__(self, code: str | None = None, message: str | None = None) -> None:
        self.code = code or self.default_code
        self.message = message or self.code
        super().__init__(self.message)


class NotFound(PitlaneError):
    """An agency, service, calendar, booking, ... that does not exist."""

    default_code = "not_found"


class InvalidValue(PitlaneError):
    """A value given by a person that cannot be understood; `code` says which."""

    default_code = "invalid_value"


class SlotTaken(PitlaneError):
    """The slot has no place left (someone was quicker): offer fresh slots."""

    default_code = "slot_taken"


class SlotUnavailable(PitlaneError):
    """The start is not a slot of that calendar (`not_a_slot`) or is in the past (`past`)."""

    default_code = "slot_unavailable"


class Forbidden(PitlaneError):
    """The caller may not do this (wrong role, someone else's conversation)."""

    default_code = "forbidden"


class Conflict(PitlaneError):
    """The value already exists (a staff e-mail already registered)."""

    default_code = "conflict"


class InvalidCredentials(PitlaneError):
    """Unknown e-mail or wrong password: the message never says which."""

    default_code = "invalid_credentials"


class TooManyAttempts(PitlaneError):
    """Too many failed logins for this e-mail or this client; retry after some seconds."""

    default_code = "too_many_attempts"

    def __init__(
        self, retry_after_seconds: int, code: str | None = None, message: str | None = None
    ) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(
            code, message or f"too many failed attempts, retry in {retry_after_seconds} s"
        )


class InvalidTransition(PitlaneError):
    """A handoff request, notification or repair job cannot go from its current status to
    the asked one; `allowed` lists the statuses it may go to (repair jobs)."""

    default_code = "invalid_transition"

    def __init__(
        self,
        code: str | None = None,
        message: str | None = None,
        allowed: tuple[str, ...] = (),
    ) -> None:
        self.allowed = allowed
        super().__init__(code, message)


class StaleVersion(PitlaneError):
    """The record changed since the caller read it (`expected` is not `current` any more):
    someone else was quicker. `status`, `changed_by` (a staff id, or None) and `changed_at`
    tell what the last change was; read it again before deciding."""

    default_code = "stale_version"

    def __init__(
        self,
        *,
        expected: int,
        current: int,
        status: str,
        changed_by: int | None,
        changed_at: datetime | None,
    ) -> None:
        self.expected = expected
        self.current = current
        self.status = status
        self.changed_by = changed_by
        self.changed_at = changed_at
        by = f"staff {changed_by}" if changed_by is not None else "someone"
        super().__init__(
            None,
            f"changed meanwhile by {by} (version {current}, not {expected}; status {status})",
        )


class JobAlreadyOpen(Conflict):
    """The booking already has its repair job (`job_id`): one job per booking."""

    default_code = "job_already_open"

    def __init__(self, job_id: int | None, message: str | None = None) -> None:
        self.job_id = job_id
        super().__init__(None, message or f"the booking already has job {job_id}")


class NoAdvisorAvailable(PitlaneError):
    """No advisor is available with room for one more conversation: no request created."""

    default_code = "no_advisor_available"


class AlreadyOpen(PitlaneError):
    """The conversation already has a pending or accepted request (`request_id`)."""

    default_code = "already_open"

    def __init__(
        self, code: str | None = None, message: str | None = None, request_id: int | None = None
    ) -> None:
        self.request_id = request_id
        super().__init__(code, message)


class AlreadyTaken(PitlaneError):
    """Accepting a request that is no longer pending (another advisor was quicker)."""

    default_code = "already_taken"


class AdvisorFull(PitlaneError):
    """The advisor already has their maximum of conversations at once."""

    default_code = "advisor_full"


class NoChallenge(PitlaneError):
    """The conversation has no open one-time code challenge (none, or already used)."""

    default_code = "no_challenge"


class ChallengeExpired(PitlaneError):
    """The one-time code is older than its validity: ask for a new one."""

    default_code = "challenge_expired"


class WrongCode(PitlaneError):
    """The code typed is not the one sent; `attempts_left` before the challenge locks."""

    default_code = "wrong_code"

    def __init__(
        self, attempts_left: int, code: str | None = None, message: str | None = None
    ) -> None:
        self.attempts_left = attempts_left
        super().__init__(code, message or f"wrong code, {attempts_left} attempts left")


class ChallengeLocked(PitlaneError):
    """Too many wrong codes: no code is accepted nor sent before `until` (aware UTC)."""

    default_code = "challenge_locked"

    def __init__(
        self, until: datetime, code: str | None = None, message: str | None = None
    ) -> None:
        self.until = until
        super().__init__(code, message or f"locked until {until.isoformat()}")


class ResendTooSoon(PitlaneError):
    """A new code was asked too soon after the last one; retry after `seconds`."""

    default_code = "resend_too_soon"

    def __init__(self, seconds: int, code: str | None = None, message: str | None = None) -> None:
        self.seconds = seconds
        super().__init__(code, message or f"a new code can be sent in {seconds} s")


class RoomFull(PitlaneError):
    """The chat room has as many members as its capacity: it cannot be joined now."""

    default_code = "room_full"


class RoomClosed(PitlaneError):
    """The chat room was deleted by an admin: nobody can join it or write in it."""

    default_code = "room_closed"


class NotRoomMember(PitlaneError):
    """The customer is not (or no longer) a member of that room: join it first."""

    default_code = "not_room_member"


class BannedFromRoom(PitlaneError):
    """An admin banned this customer from the room: it cannot be joined again."""

    default_code = "banned_from_room"


class RateLimited(PitlaneError):
    """Too many messages in a short time; retry after `retry_after_seconds`."""

    default_code = "rate_limited"

    def __init__(
        self, retry_after_seconds: int, code: str | None = None, message: str | None = None
    ) -> None:
        self.retry_after_seconds = retry_after_seconds
        super().__init__(code, message or f"too many messages, retry in {retry_after_seconds} s")


class CustomerOverLimit(RateLimited):
    """A customer (one sender or one IP) did one kind of action (`message`, `upload`,
    `subscription`) more often than allowed in the current window; nothing was done.
    `first_refusal` is true for the first refused action of that window only (chat
    channels say it once per window, not once per message)."""

    default_code = "rate_limited"

    def __init__(
        self, retry_after_seconds: int, action: str, scope: str, first_refusal: bool
    ) -> None:
        self.action = action
        self.scope = scope
        self.first_refusal = first_refusal
        super().__init__(
            retry_after_seconds,
            message=f"too many {action}s from this {scope}, retry in {retry_after_seconds} s",
        )


class CapacityBelowMembers(PitlaneError):
    """A new capacity below the current number of members, without saying to remove some."""

    default_code = "capacity_below_members"

    def __init__(self, members: int, code: str | None = None, message: str | None = None) -> None:
        self.members = members
        super().__init__(
            code,
            message
            or f"the room has {members} members: lower the capacity with evict to remove the "
            "latest arrivals",
        )


class BookingNotMovable(PitlaneError):
    """A booking that cannot be moved: `booking_cancelled`, `booking_started` (already
    begun or past), `same_slot` (the new start is its current one)."""

    default_code = "booking_not_movable"


class SettingsConflict(PitlaneError):
    """New service settings would leave upcoming bookings outside the new hours, on a
    closed date, off the slot grid or over capacity; `conflicts` lists them (the admin
    decides: keep them, or cancel them and tell the customers)."""

    default_code = "settings_conflict"

    def __init__(
        self, conflicts: list, code: str | None = None, message: str | None = None
    ) -> None:
        self.conflicts = conflicts
        super().__init__(code, message or f"{len(conflicts)} upcoming bookings are affected")


class SurveyClosed(PitlaneError):
    """The satisfaction survey's answer window is over: its answer is kept as it is."""

    default_code = "survey_closed"


# issue 16: estimates and invoices (helper "money")
class AlreadyDecided(Conflict):
    """The customer's decision on the estimate is already recorded (`decision`, `decided_at`,
    `channel`), or the estimate was never sent: a decision is taken exactly once."""

    default_code = "estimate_already_decided"


class InvalidLink(PitlaneError):
    """A document link that is malformed, forged, of another kind, or expired (`expired`)."""

    default_code = "invalid_link"

    def __init__(self, code: str | None = None, message: str | None = None) -> None:
        super().__init__(code, message)
        self.expired = self.code == "link_expired"


# issue 17: canned replies of the advisor console (core/canned_replies.py)
class ShortcutTaken(Conflict):
    """A canned reply of that language already has this shortcut."""

    default_code = "shortcut_taken"


class UnknownCannedReply(NotFound):
    """No canned reply has this id (deleted meanwhile, or never there)."""

    default_code = "unknown_canned_reply"
