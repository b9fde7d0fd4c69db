"""Erasures still owed outside the core database: the Rasa trackers of an erased customer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime, utcnow


class TrackerErasure(Base):
    """One Rasa tracker to erase (its sender id "<channel>:<external id>"), recorded in the
    customer erasure's transaction and retried by the web app's scheduler until Rasa did it
    (core/tracker_erasure.py). Once done, the sender id is replaced by its SHA-256."""

    __tablename__ = "tracker_erasures"
    __table_args__ = (Index(None, "done_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(255))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Not tried again before this instant (a claim, then the back-off after a failure).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
