"""Builders for the registry and inspection tests: a registry that meets every
standard, real photos, and an inspection recorded as the registry answers it."""

import datetime as dt

from django.utils import timezone

from outlets.models import Inspection, OutletProfile
from outlets.services import inspections as inspection_service
from outlets.services import registry as registry_service
from outlets.standards import FACILITY_ITEMS, STANDARDS
from tests.underwriting.group_support import photo

__all__ = ["complete_registry", "photo", "record_all", "staff"]


def staff(user):
    user.is_staff = True
    user.save()
    return user


def complete_registry(profile: OutletProfile, *, by) -> OutletProfile:
    """A three-year lease and every required facility item, the nameplate at size."""
    today = timezone.localdate()
    registry_service.lease_record(
        by=by,
        outlet=profile.outlet,
        landlord="建设路18号业主",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=3 * 365),
    )
    registry_service.facilities_record(
        by=by,
        outlet=profile.outlet,
        present={item.code for item in FACILITY_ITEMS if item.required},
        nameplate={"width_mm": 600, "height_mm": 400, "thickness_mm": 20, "material": "铝塑板"},
    )
    return profile


def record_all(inspection: Inspection, *, by, not_met: dict[str, str] | None = None) -> Inspection:
    """Every required standard met (with a photo where needed) except `not_met`
    (code: note)."""
    not_met = not_met or {}
    for standard in STANDARDS:
        if not standard.required:
            continue
        inspection_service.inspection_result_record(
            inspector=by,
            inspection=inspection,
            standard=standard.code,
            result="not_met" if standard.code in not_met else "met",
            note=not_met.get(standard.code, ""),
            photos=[photo()] if standard.needs_photo else [],
        )
    return inspection
