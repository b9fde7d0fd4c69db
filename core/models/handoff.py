"""A customer's request to talk with an advisor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime, utcnow

HANDOFF_STATUSES = ("pending", "accepted", "closed", "refused", "expired", "cancelled")
OPEN_HANDOFF = "status IN ('pending', 'accepted')"


class HandoffRequest(Base):
    """A customer's request to talk with an advisor (state machine in core/handoff.py)."""

    __tablename__ = "handoff_requests"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'accepted', 'closed', 'refused', 'expired', 'cancelled')",
            name="status",
        ),
        CheckConstraint("ended_by IS NULL OR ended_by IN ('advisor', 'customer')", name="ended_by"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
        # One open request per conversation: the database is the guarantee, not a lookup.
        Index(
            "uq_handoff_requests_one_open",
            "conversation_id",
            unique=True,
            sqlite_where=text(OPEN_HANDOFF),
            postgresql_where=text(OPEN_HANDOFF),
        ),
        Index(None, "status", "created_at"),
        Index(None, "advisor_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    advisor_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(500))
    ended_by: Mapped[str | None] = mapped_column(String(10))  # advisor | customer (closed)
    rating: Mapped[int | None] = mapped_column(Integer)  # the customer's 1-5, once closed
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transcript_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # e-mailed, once


NOTE_KINDS = ("note", "transfer")


class HandoffNote(Base):
    """Staff-only: a note written in a conversation, or the record of its transfer from one
    advisor (`staff_id`) to another (`transferred_to_id`). Never shown to the customer."""

    __tablename__ = "handoff_notes"
    __table_args__ = (CheckConstraint("kind IN ('note', 'transfer')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("handoff_requests.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(String(2000))
    transferred_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
