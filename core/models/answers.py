"""The table of the knowledge base: the answers the bot gives to customers' questions (opening
hours, prices, what a service includes...)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime, utcnow

GENERAL_ENTRY = "agency_id IS NULL"


class AnswerEntry(Base):
    """One answer of the knowledge base: a topic, the words of the questions it answers
    (French and English, one per line) and its text in French and English. `agency_id`
    NULL: the group's answer; set: that agency's own answer, preferred when the customer
    asks about that agency. At most one entry per (topic, agency) and one group entry per
    topic. Topics whose answer is computed (hours, address, contact) may have no text: it
    is then only added after the computed part."""

    __tablename__ = "answer_entries"
    __table_args__ = (
        UniqueConstraint("topic", "agency_id"),
        # NULLs are distinct in a unique constraint: the group entry needs its own index
        Index(
            "uq_answer_entries_one_general_per_topic",
            "topic",
            unique=True,
            sqlite_where=text(GENERAL_ENTRY),
            postgresql_where=text(GENERAL_ENTRY),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(40))
    agency_id: Mapped[int | None] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), index=True
    )
    keywords: Mapped[str] = mapped_column(Text)  # one keyword or phrase per line
    answer_fr: Mapped[str | None] = mapped_column(Text)
    answer_en: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
