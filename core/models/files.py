"""Uploaded files kept in the database (PITLANE_UPLOAD_STORE=database: core/file_store.py),
readable by every replica; the filesystem store keeps none here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime, utcnow


class StoredFile(Base):
    """One uploaded file (at most 10 MiB: core/files.py), found by its random key, which the
    attachment row keeps as its `storage_path` ("db:<hex>")."""

    __tablename__ = "stored_files"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
