"""Demo registry for `make run` (called by core's seed_demo): the profiles of the two
demo outlets (阳城镇 as the guide wants it, 七拱镇 falling short), a lease of outlet A
with its end warning running, staff with an agent whose qualification expires soon,
facility items, and a completed inspection of outlet B with its findings. Idempotent."""

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from core.models import OrgUnit, User
from outlets.models import OutletProfile, StaffMember
from outlets.selectors import registry_facts
from outlets.services import inspections as inspection_service
from outlets.services import registry as registry_service
from outlets.standards import FACILITY_ITEMS, add_years, registry_answers


def seed_outlets(
    *, outlet_a: OrgUnit, outlet_b: OrgUnit, manager: User, head_a: User, clerk_a: User
) -> None:
    if OutletProfile.objects.filter(outlet__in=[outlet_a, outlet_b]).exists():
        return
    today = timezone.localdate()
    registry_service.profile_save(
        by=manager,
        outlet=outlet_a,
        values={
            "county_label": "阳山县",
            "township": "阳城镇",
            "address": "阳山县阳城镇建设路18号",
            "phone": "0763-7712345",
            "ground_floor_storefront": True,
            "on_main_street": True,
            "frontage_unobstructed": True,
            "surroundings_safe": True,
            "building_inspected": True,
            "usable_area": Decimal("45.00"),
            "head_name": str(head_a),
            "head_type": OutletProfile.HeadType.EMPLOYEE,
            "head_user": head_a,
            "head_appointed_on": today - dt.timedelta(days=400),
            "entered_annual_premium": Decimal("1800000.00"),
        },
    )
    registry_service.profile_save(
        by=manager,
        outlet=outlet_b,
        values={
            "county_label": "阳山县",
            "township": "七拱镇",
            "address": "阳山县七拱镇七拱村委会一楼",
            "inside_partner_premises": True,
            "usable_area": Decimal("24.00"),
            "head_name": "黄志强",
            "head_type": OutletProfile.HeadType.ENTRUSTED,
        },
    )
    # Outlet A's lease ends in 80 days: inside the 90-day lead time, so the first sweep
    # warns the head and the county manager (OUT-5).
    lease_end = today + dt.timedelta(days=80)
    registry_service.lease_record(
        by=manager,
        outlet=outlet_a,
        landlord="阳城镇建设路18号业主 李伟",
        starts_on=add_years(lease_end, -3),
        ends_on=lease_end,
    )
    registry_service.facilities_record(
        by=manager,
        outlet=outlet_a,
        present={item.code for item in FACILITY_ITEMS if item.required},
        nameplate={"width_mm": 600, "height_mm": 400, "thickness_mm": 20, "material": "铝塑板"},
    )
    registry_service.staff_member_add(
        by=manager,
        outlet=outlet_a,
        name=str(clerk_a),
        kind=StaffMember.Kind.EMPLOYEE,
        user=clerk_a,
        joined_on=today - dt.timedelta(days=700),
    )
    registry_service.staff_member_add(
        by=manager,
        outlet=outlet_a,
        name="张丽",
        kind=StaffMember.Kind.AGENT,
        qualification_number="02000144000080002026000123",
        qualification_expires_on=today + dt.timedelta(days=20),
        joined_on=today - dt.timedelta(days=300),
    )
    _inspect_outlet_b(outlet_b=outlet_b, manager=manager, today=today)


def _inspect_outlet_b(*, outlet_b: OrgUnit, manager: User, today: dt.date) -> None:
    """A completed inspection of outlet B: what its registry says fails (inside a
    village committee, too small, no lease, no signage …) becomes open findings."""
    inspection = inspection_service.inspection_start(
        inspector=manager, outlet=outlet_b, inspected_on=today - dt.timedelta(days=2)
    )
    not_met = {
        "OUT-3-own-premises": "营业场所设在村委会办公楼内，非独立门店。",
        "OUT-4-area": "实测使用面积约24平方米，不足30平方米。",
    }
    facts = registry_facts(outlet=outlet_b, today=today)
    for standard, answer in registry_answers(facts):
        if not standard.required:
            continue
        result = "not_met" if standard.code in not_met or answer is False else "met"
        inspection_service.inspection_result_record(
            inspector=manager,
            inspection=inspection,
            standard=standard.code,
            result=result,
            note=not_met.get(standard.code, "现场检查未达标。" if result == "not_met" else ""),
            photos=[_site_photo()] if standard.needs_photo else [],
        )
    plans = [
        inspection_service.FindingPlan(
            standard=row.standard,
            corrective_action="搬迁至临街独立一楼、使用面积不少于30平方米的门店，或按标准整改。",
            owner=manager,
            due_on=today + dt.timedelta(days=90),
        )
        for row in inspection_service.standards_needing_plans(inspection=inspection)
    ]
    inspection_service.inspection_complete(
        inspector=manager,
        inspection=inspection,
        plans=plans,
    )


def _site_photo() -> SimpleUploadedFile:
    """A plain generated JPEG standing in for the inspector's site photo."""
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 200, 190)).save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile("site.jpg", buffer.getvalue(), content_type="image/jpeg")
