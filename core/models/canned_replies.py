"""Canned replies (issue 17, item 3): texts advisors insert in the console's composer with a
shortcut ("/rdv"), written by admins in French or English."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime, utcnow

CANNED_LANGUAGES = ("fr", "en")


class CannedReply(Base):
    """One canned reply: its shortcut is unique per language (the same shortcut names the
    French and the English version of a reply); its text may hold variables ({prenom},
    {agence}) filled for a conversation (core/canned_fill.py)."""

    __tablename__ = "canned_replies"
    __table_args__ = (
        UniqueConstraint("language", "shortcut"),
        CheckConstraint("language IN ('fr', 'en')", name="language"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shortcut: Mapped[str] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
