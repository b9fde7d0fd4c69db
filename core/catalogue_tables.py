"""The test-ride catalogue's tables, now core/models/catalogue.py: kept as an import path for
the callers outside core/ (import them from `core.models`)."""

from __future__ import annotations

from core.models.catalogue import LICENCES, USAGES, RideModel, RideModelAgency

__all__ = ["LICENCES", "USAGES", "RideModel", "RideModelAgency"]
