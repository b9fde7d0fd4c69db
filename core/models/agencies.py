"""The group's reference data: its services, its agencies and its key/value settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint("kind IN ('workshop', 'test_ride')", name="kind"),
        CheckConstraint("usage IN ('road', 'offroad', 'sport')", name="usage"),
    )

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_fr: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    usage: Mapped[str | None] = mapped_column(String(20))


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    postcode: Mapped[str] = mapped_column(String(20))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(254))
    # issue 16 (reviews): the agency's own hours and time zone (calendar invites, its page);
    # {"mon": [["09:00", "12:00"], ["14:00", "18:00"]], ...}: absent or empty = closed
    opening_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    timezone: Mapped[str] = mapped_column(
        String(60), default="Europe/Paris", server_default="Europe/Paris"
    )


class Setting(Base):
    """Key/value settings of the group: contact_email, contact_phone."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
