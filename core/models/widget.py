"""The web widget's credentials and the single-use tickets of its notification stream."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime


class WidgetCredential(Base):
    """A token issued to one widget (only its sha256 is stored) -> the widget's customer key:
    the external id of its "web" conversation. `legacy_client_id` is the browser-made UUID it
    replaced, claimed once (unique)."""

    __tablename__ = "widget_credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    external_id: Mapped[str] = mapped_column(String(128), unique=True)
    legacy_client_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WidgetStreamTicket(Base):
    """A short-lived, single-use ticket opening the notification stream (EventSource sends no
    header); only its sha256 is stored."""

    __tablename__ = "widget_stream_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_hash: Mapped[str] = mapped_column(String(64), unique=True)
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("widget_credentials.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
