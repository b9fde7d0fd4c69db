"""Tables of the test-ride catalogue: the motorcycle models customers can try, and the
agencies that have each one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, UTCDateTime, utcnow

USAGES = ("road", "offroad", "sport")  # "sport" is the track, as in the services' usage
LICENCES = ("A", "A2")


class RideModel(Base):
    """A motorcycle model offered for test rides. `licence` "A2": a version a rider with the
    A2 licence may ride (35 kW); "A": the full licence only. Electric models have no
    engine size."""

    __tablename__ = "test_ride_models"
    __table_args__ = (
        UniqueConstraint("brand", "model"),
        CheckConstraint("usage IN ('road', 'offroad', 'sport')", name="usage"),
        CheckConstraint("licence IN ('A', 'A2')", name="licence"),
        CheckConstraint(
            "(electric AND engine_cc IS NULL) OR (NOT electric AND engine_cc > 0)",
            name="engine_cc_unless_electric",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brand: Mapped[str] = mapped_column(String(60))
    model: Mapped[str] = mapped_column(String(80))
    usage: Mapped[str] = mapped_column(String(20))
    licence: Mapped[str] = mapped_column(String(2))
    engine_cc: Mapped[int | None] = mapped_column(Integer)
    electric: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description_fr: Mapped[str | None] = mapped_column(String(300))
    description_en: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RideModelAgency(Base):
    """One agency has one catalogue model for test rides."""

    __tablename__ = "test_ride_model_agencies"

    model_id: Mapped[int] = mapped_column(
        ForeignKey("test_ride_models.id", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agencies.id", ondelete="CASCADE"), primary_key=True, index=True
    )
