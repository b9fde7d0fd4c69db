"""Customers' rate-limit windows: one row per limiter key, counted in place."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime


class CustomerRateWindow(Base):
    """The current window of one limiter key ("message:sender:web:<id>", "upload:ip:<ip>"):
    when it began and how many actions it counted (core/customer_limits.py)."""

    __tablename__ = "customer_rate_windows"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer)
