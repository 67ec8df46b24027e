"""Inspections and findings (OUT-3..OUT-9, OUT-16): results with evidence photos, unmet
standards becoming findings with corrective action, owner, due date and timer, the
re-inspection closing them, a manager's own findings, closing and rescheduling, and the
refusals."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone

from core.access import NotInScope
from core.models import EvidencePhoto, OutboxMessage, SlaTimer
from core.timers import timers_sweep
from outlets.models import Finding, Inspection, InspectionResult
from outlets.services import inspections as inspection_service
from outlets.services.inspections import FindingPlan
from tests.outlets.registry_support import complete_registry, photo, record_all
from tests.underwriting.group_support import jpeg_bytes


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def inspection(profile_a, county_manager, outlet_head_a) -> Inspection:
    complete_registry(profile_a, by=outlet_head_a)
    return inspection_service.inspection_start(
        inspector=county_manager, outlet=profile_a.outlet, inspected_on=timezone.localdate()
    )


def plan(code, owner, days=30) -> FindingPlan:
    return FindingPlan(
        standard=code,
        corrective_action="清理门前杂物，恢复门头通透。",
        owner=owner,
        due_on=timezone.localdate() + dt.timedelta(days=days),
    )


def test_out_16_only_managers_inspect(profile_a, outlet_head_a, clerk_b, auditor, tree):
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        inspection_service.inspection_start(
            inspector=outlet_head_a, outlet=tree.outlet_a, inspected_on=today
        )
    with pytest.raises(PermissionDenied):
        inspection_service.inspection_start(
            inspector=auditor, outlet=tree.outlet_a, inspected_on=today
        )
    with pytest.raises(NotInScope):
        inspection_service.inspection_start(
            inspector=clerk_b, outlet=tree.outlet_a, inspected_on=today
        )


def test_out_16_one_inspection_in_progress(inspection, county_manager):
    with pytest.raises(ValidationError) as error:
        inspection_service.inspection_start(
            inspector=county_manager,
            outlet=inspection.outlet,
            inspected_on=timezone.localdate(),
        )
    assert error.value.code == "draft_exists"


def test_out_3_site_standard_needs_a_photo_and_notes(inspection, county_manager):
    with pytest.raises(ValidationError) as error:
        inspection_service.inspection_result_record(
            inspector=county_manager,
            inspection=inspection,
            standard="OUT-3-frontage",
            result="met",
        )
    assert "photos" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        inspection_service.inspection_result_record(
            inspector=county_manager,
            inspection=inspection,
            standard="OUT-4-area",
            result="not_met",
        )
    assert "note" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        inspection_service.inspection_result_record(
            inspector=county_manager, inspection=inspection, standard="OUT-99", result="met"
        )
    row = inspection_service.inspection_result_record(
        inspector=county_manager,
        inspection=inspection,
        standard="OUT-3-frontage",
        result="met",
        photos=[photo(), photo("front.jpg")],
    )
    assert EvidencePhoto.objects.filter(subject_id=row.pk).count() == 2
    # A correction keeps the photos already there.
    row = inspection_service.inspection_result_record(
        inspector=county_manager,
        inspection=inspection,
        standard="OUT-3-frontage",
        result="not_met",
        note="门前堆放建材",
    )
    assert row.result == "not_met" and InspectionResult.objects.count() == 1


def test_out_3_a_refused_photo_saves_nothing(inspection, county_manager, media_root):
    fake = photo("fake.jpg", data=b"not an image" + jpeg_bytes()[:10])
    with pytest.raises(ValidationError):
        inspection_service.inspection_result_record(
            inspector=county_manager,
            inspection=inspection,
            standard="OUT-3-storefront",
            result="met",
            photos=[photo(), fake],
        )
    assert not InspectionResult.objects.exists()
    assert not EvidencePhoto.objects.exists()
    assert not [p for p in media_root.rglob("*") if p.is_file()]


def test_out_16_complete_needs_every_required_standard(inspection, county_manager):
    with pytest.raises(ValidationError) as error:
        inspection_service.inspection_complete(inspector=county_manager, inspection=inspection)
    assert error.value.code == "incomplete"


def test_out_16_unmet_standard_becomes_a_finding_with_timer(
    inspection, county_manager, outlet_head_a
):
    record_all(inspection, by=county_manager, not_met={"OUT-3-frontage": "门前堆放建材"})
    with pytest.raises(ValidationError) as error:
        inspection_service.inspection_complete(inspector=county_manager, inspection=inspection)
    assert "plan_missing" in {e.code for e in error.value.error_list}
    inspection_service.inspection_complete(
        inspector=county_manager,
        inspection=inspection,
        plans=[plan("OUT-3-frontage", outlet_head_a)],
    )
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.COMPLETED and inspection.completed_at
    finding = Finding.objects.get()
    assert finding.source == Finding.Source.INSPECTION
    assert finding.result.standard == "OUT-3-frontage"
    assert finding.description == "门前堆放建材"
    assert finding.owner == outlet_head_a and finding.raised_by == county_manager
    assert finding.timer.rule.code == "OUT-16"
    assert timezone.localtime(finding.timer.due_at).date() == finding.due_on + dt.timedelta(1)
    assert OutboxMessage.objects.filter(
        dedup_key__startswith=f"outlet-finding:{finding.pk}:raised", recipient=outlet_head_a
    ).exists()
    # A completed inspection no longer takes results.
    with pytest.raises(ValidationError):
        inspection_service.inspection_result_record(
            inspector=county_manager, inspection=inspection, standard="OUT-4-area", result="met"
        )


def test_out_16_plan_refusals(inspection, county_manager, clerk_b, outlet_head_a):
    record_all(inspection, by=county_manager, not_met={"OUT-4-area": "实测28平方米"})
    with pytest.raises(ValidationError) as error:
        inspection_service.inspection_complete(
            inspector=county_manager,
            inspection=inspection,
            plans=[
                plan("OUT-4-area", clerk_b),  # works at another outlet
                plan("OUT-8-pos", outlet_head_a),  # met: no plan
            ],
        )
    codes = {e.code for e in error.value.error_list}
    assert {"owner_elsewhere", "plan_unexpected"} <= codes
    with pytest.raises(ValidationError) as error:
        inspection_service.inspection_complete(
            inspector=county_manager,
            inspection=inspection,
            plans=[plan("OUT-4-area", outlet_head_a, days=-1)],
        )
    assert "due_past" in {e.code for e in error.value.error_list}
    assert not Finding.objects.exists()


def test_out_16_reinspection_closes_met_findings_and_keeps_unmet_ones(
    inspection, county_manager, outlet_head_a
):
    record_all(
        inspection,
        by=county_manager,
        not_met={"OUT-3-frontage": "门前堆放建材", "OUT-8-pos": "POS机故障"},
    )
    inspection_service.inspection_complete(
        inspector=county_manager,
        inspection=inspection,
        plans=[plan("OUT-3-frontage", outlet_head_a), plan("OUT-8-pos", outlet_head_a)],
    )
    frontage, pos = Finding.objects.order_by("standard")
    assert (frontage.standard, pos.standard) == ("OUT-3-frontage", "OUT-8-pos")

    again = inspection_service.inspection_start(
        inspector=county_manager, outlet=inspection.outlet, inspected_on=timezone.localdate()
    )
    record_all(again, by=county_manager, not_met={"OUT-8-pos": "仍未修复"})
    # The still-unmet standard keeps its finding: no new plan is asked for.
    assert inspection_service.standards_needing_plans(inspection=again) == []
    inspection_service.inspection_complete(inspector=county_manager, inspection=again)
    frontage.refresh_from_db()
    pos.refresh_from_db()
    assert frontage.state == Finding.State.CLOSED
    assert frontage.closed_by_inspection == again and frontage.closed_by == county_manager
    assert frontage.timer.state == SlaTimer.State.MET
    assert pos.state == Finding.State.OPEN and pos.timer.state == SlaTimer.State.RUNNING
    assert Finding.objects.count() == 2


def test_out_16_overdue_finding_tells_owner_and_county_manager_once(
    tree, county_manager, outlet_head_a, profile_a
):
    finding = inspection_service.finding_record(
        by=county_manager,
        outlet=tree.outlet_a,
        standard="OUT-7-complaint-phone",
        description="投诉电话未公示",
        corrective_action="在柜台显著位置公示投诉电话",
        owner=outlet_head_a,
        due_on=timezone.localdate(),
    )
    assert finding.source == Finding.Source.MANUAL
    assert timers_sweep(now=timezone.now()).breached == 0
    after = finding.timer.due_at + dt.timedelta(seconds=1)
    assert timers_sweep(now=after).breached == 1
    assert timers_sweep(now=after).breached == 0
    recipients = set(
        OutboxMessage.objects.filter(
            dedup_key__startswith=f"outlet-finding:{finding.pk}:timer"
        ).values_list("recipient__username", flat=True)
    )
    assert recipients == {"head_a", "manager"}


def test_out_16_close_and_reschedule_by_a_manager(tree, county_manager, outlet_head_a, clerk_a):
    finding = inspection_service.finding_record(
        by=county_manager,
        outlet=tree.outlet_a,
        standard="OUT-8-printer",
        description="打印机损坏",
        corrective_action="更换打印机",
        owner=outlet_head_a,
        due_on=timezone.localdate() + dt.timedelta(days=5),
    )
    first = finding.timer
    finding = inspection_service.finding_reschedule(
        by=county_manager,
        finding=finding,
        due_on=timezone.localdate() + dt.timedelta(days=20),
        owner=clerk_a,
        reason="设备采购周期",
    )
    first.refresh_from_db()
    assert first.state == SlaTimer.State.CANCELLED
    assert finding.timer.owner == clerk_a and finding.owner == clerk_a
    with pytest.raises(PermissionDenied):
        inspection_service.finding_close(by=outlet_head_a, finding=finding, note="已更换")
    with pytest.raises(ValidationError):
        inspection_service.finding_close(by=county_manager, finding=finding, note=" ")
    finding = inspection_service.finding_close(
        by=county_manager, finding=finding, note="已见新打印机照片"
    )
    assert finding.state == Finding.State.CLOSED and finding.closed_at
    assert finding.timer.state == SlaTimer.State.MET
    with pytest.raises(ValidationError):
        inspection_service.finding_close(by=county_manager, finding=finding, note="again")


def test_out_16_system_finding_is_one_per_standard(tree, outlet_head_a):
    """finding_raise is the hook of the system checks (OUT-10, OUT-11)."""
    kwargs = {
        "outlet": tree.outlet_a,
        "source": Finding.Source.STAFFING,
        "standard": "OUT-10-staffing",
        "description": "在岗3人，应不少于4人",
        "corrective_action": "补充人员",
        "owner": outlet_head_a,
        "due_on": timezone.localdate() + dt.timedelta(days=30),
    }
    finding = inspection_service.finding_raise(**kwargs)
    assert finding.raised_by is None and finding.timer.rule.code == "OUT-16"
    with pytest.raises(IntegrityError):
        inspection_service.finding_raise(**kwargs)
