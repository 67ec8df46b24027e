"""CLM-8 claim documents and the completeness gate, CLM-9 transfer and the CLM-10
special flag: the services (checklists from data, scans checked by content, nothing
saved when refused, the gate listing what is missing, the timers started)."""

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from claims_assist.models import CaseDocument, CaseEvent, CaseType, ClaimCase, DocumentRequirement
from claims_assist.services import documents as services
from core.access import NotInScope, ReadOnlyRole
from core.models import SlaTimer
from tests.claims_assist.timeline_support import (
    AGRICULTURE,
    add_documents,
    beijing,
    code_of,
    complete_file,
    end_of,
    image_bytes,
    pdf_bytes,
    png_bomb,
    reported_case,
    scan,
    timer_of,
)


@pytest.fixture(autouse=True)
def _own_media(settings, tmp_path):
    """Scans of this module go to a folder of its own, so that what a refusal leaves
    behind (nothing) is not confused with other runs' files."""
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def case(claims_book, clerk_a):
    return reported_case(claims_book, clerk_a)


def stored_files(settings) -> set[Path]:
    root = Path(settings.MEDIA_ROOT) / "claims" / "documents"
    return set(root.rglob("*")) if root.exists() else set()


# --- Checklist -------------------------------------------------------------------------------
def test_clm_8_checklist_comes_from_the_case_type(case, clerk_a):
    lines = services.checklist_for(case=case)
    assert [line.kind.code for line in lines] == AGRICULTURE
    assert all(line.required and line.missing and not line.received for line in lines)
    services.document_add(by=clerk_a, case_pk=case.pk, kind="policy", upload=scan())
    lines = services.checklist_for(case=case)
    assert lines[0].received and not lines[0].missing and len(lines[0].documents) == 1
    assert [kind.code for kind in services.missing_documents(case=case)] == AGRICULTURE[1:]


def test_clm_8_case_type_set_changes_the_checklist(case, clerk_a):
    death = CaseType.objects.get(code="accident_death")
    services.case_type_set(by=clerk_a, case_pk=case.pk, case_type=death)
    case.refresh_from_db()
    codes = [line.kind.code for line in services.checklist_for(case=case)]
    assert "death_proof" in codes and "household_deregistration" in codes


def test_clm_8_case_type_fixed_once_the_file_is_accepted(case, clerk_a):
    complete_file(case, clerk_a)
    with pytest.raises(ValidationError) as refused:
        services.case_type_set(
            by=clerk_a, case_pk=case.pk, case_type=CaseType.objects.get(code="medical")
        )
    assert code_of(refused.value) == "file_accepted"


def test_clm_8_no_documents_before_the_case_type(claims_book, clerk_a):
    case = reported_case(claims_book, clerk_a, case_type=None)
    assert services.checklist_for(case=case) == []
    with pytest.raises(ValidationError) as refused:
        services.document_add(by=clerk_a, case_pk=case.pk, kind="policy", upload=scan())
    assert code_of(refused.value) == "no_case_type"
    with pytest.raises(ValidationError) as refused:
        services.case_file_accept(by=clerk_a, case_pk=case.pk)
    assert code_of(refused.value) == "no_case_type"


# --- Scans -------------------------------------------------------------------------------------
def test_clm_8_pdf_is_stored_with_its_pages_and_hash(case, clerk_a):
    data = pdf_bytes(pages=3)
    document = services.document_add(
        by=clerk_a, case_pk=case.pk, kind="claim_form", upload=scan(data, "申请书.pdf"), note="原件"
    )
    assert document.content_type == "application/pdf"
    assert document.pages == 3 and document.size == len(data)
    assert document.original_name == "申请书.pdf" and document.note == "原件"
    assert document.received_by == clerk_a
    assert document.file.name.startswith(f"claims/documents/{case.org_unit_id}/{case.pk}/")
    with document.file.open("rb") as stored:
        assert stored.read() == data
    assert document.sha256 == hashlib.sha256(data).hexdigest()


def test_clm_8_content_type_comes_from_the_content_not_the_name(case, clerk_a):
    pdf_named_jpg = services.document_add(
        by=clerk_a, case_pk=case.pk, kind="policy", upload=scan(pdf_bytes(), "photo.jpg")
    )
    assert pdf_named_jpg.content_type == "application/pdf"
    assert pdf_named_jpg.file.name.endswith(".pdf")
    png_named_pdf = services.document_add(
        by=clerk_a, case_pk=case.pk, kind="insured_id", upload=scan(image_bytes(), "id.pdf")
    )
    assert png_named_pdf.content_type == "image/png" and png_named_pdf.pages == 1
    jpeg = services.document_add(
        by=clerk_a, case_pk=case.pk, kind="bank_account", upload=scan(image_bytes("JPEG"), "x")
    )
    assert jpeg.content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"MZ\x90\x00 this is an executable", "scan.pdf", "not_a_document"),
        (b"<html><body>fake</body></html>", "scan.jpg", "not_a_document"),
        (b"%PDF-1.7\n this is not really a pdf", "fake.pdf", "damaged"),
        (pdf_bytes(password="secret"), "locked.pdf", "encrypted"),
        (image_bytes()[:60], "cut.png", "damaged"),
        (png_bomb(20_000), "bomb.png", "too_many_pixels"),
        (b"", "empty.pdf", "empty"),
    ],
)
def test_clm_8_fake_encrypted_and_broken_scans_refused_nothing_saved(
    case, clerk_a, settings, data, name, code
):
    before = stored_files(settings)
    with pytest.raises(ValidationError) as refused:
        services.document_add(by=clerk_a, case_pk=case.pk, kind="policy", upload=scan(data, name))
    assert code_of(refused.value) == code
    assert not CaseDocument.objects.exists()
    assert stored_files(settings) == before


def test_clm_8_oversized_scan_refused_before_reading(case, clerk_a, settings):
    settings.CLAIM_DOCUMENT_MAX_BYTES = 1000
    before = stored_files(settings)
    with pytest.raises(ValidationError) as refused:
        services.document_add(
            by=clerk_a, case_pk=case.pk, kind="policy", upload=scan(pdf_bytes(pages=20))
        )
    assert code_of(refused.value) == "too_large"
    assert "1000" in refused.value.messages[0] or "1.0" in refused.value.messages[0]
    assert not CaseDocument.objects.exists() and stored_files(settings) == before


def test_clm_8_kind_must_be_on_the_checklist_or_power_of_attorney(case, clerk_a):
    with pytest.raises(ValidationError) as refused:
        services.document_add(by=clerk_a, case_pk=case.pk, kind="death_proof", upload=scan())
    assert code_of(refused.value) == "not_on_checklist"
    assert "death_proof" not in {kind.code for kind in services.allowed_kinds(case=case)}
    attorney = services.document_add(
        by=clerk_a, case_pk=case.pk, kind="power_of_attorney", upload=scan()
    )
    assert attorney.kind.code == "power_of_attorney"
    with pytest.raises(ValidationError) as refused:
        services.document_add(by=clerk_a, case_pk=case.pk, kind="nonsense", upload=scan())
    assert code_of(refused.value) == "unknown_kind"


def test_clm_8_same_scan_twice_for_one_kind_refused(case, clerk_a):
    data = pdf_bytes()
    services.document_add(by=clerk_a, case_pk=case.pk, kind="policy", upload=scan(data))
    with pytest.raises(ValidationError) as refused:
        services.document_add(by=clerk_a, case_pk=case.pk, kind="policy", upload=scan(data))
    assert code_of(refused.value) == "duplicate"
    services.document_add(by=clerk_a, case_pk=case.pk, kind="claim_form", upload=scan(data))
    assert CaseDocument.objects.count() == 2


def test_clm_8_documents_refused_outside_scope_and_for_auditors(case, clerk_b, auditor):
    with pytest.raises(NotInScope):
        services.document_add(by=clerk_b, case_pk=case.pk, kind="policy", upload=scan())
    with pytest.raises(ReadOnlyRole):
        services.document_add(by=auditor, case_pk=case.pk, kind="policy", upload=scan())
    assert not CaseDocument.objects.exists()


# --- Removal ---------------------------------------------------------------------------------
def test_clm_8_remove_is_soft_and_needs_a_reason(case, clerk_a):
    document = services.document_add(by=clerk_a, case_pk=case.pk, kind="policy", upload=scan())
    with pytest.raises(ValidationError) as refused:
        services.document_remove(by=clerk_a, document_pk=document.pk, reason="  ")
    assert code_of(refused.value) == "reason_required"
    services.document_remove(by=clerk_a, document_pk=document.pk, reason="扫描不清")
    document.refresh_from_db()
    assert document.removed_at and document.removed_reason == "扫描不清"
    assert document.file.storage.exists(document.file.name)
    assert document.history.first().history_change_reason == "扫描不清"
    assert services.checklist_for(case=case)[0].missing
    with pytest.raises(ValidationError) as refused:
        services.document_remove(by=clerk_a, document_pk=document.pk, reason="again")
    assert code_of(refused.value) == "removed"


def test_clm_8_no_removal_after_acceptance(case, clerk_a):
    complete_file(case, clerk_a)
    document = CaseDocument.objects.filter(case=case).first()
    with pytest.raises(ValidationError) as refused:
        services.document_remove(by=clerk_a, document_pk=document.pk, reason="wrong")
    assert code_of(refused.value) == "file_accepted"
    # A supplementary document is still received until the decision.
    services.document_add(by=clerk_a, case_pk=case.pk, kind="power_of_attorney", upload=scan())


def test_clm_8_remove_refused_outside_scope(case, clerk_a, clerk_b, auditor):
    document = services.document_add(by=clerk_a, case_pk=case.pk, kind="policy", upload=scan())
    with pytest.raises(NotInScope):
        services.document_remove(by=clerk_b, document_pk=document.pk, reason="x")
    with pytest.raises(ReadOnlyRole):
        services.document_remove(by=auditor, document_pk=document.pk, reason="x")


# --- The gate --------------------------------------------------------------------------------
def test_clm_8_incomplete_file_refused_listing_what_is_missing(case, clerk_a):
    add_documents(case, clerk_a, kinds=["policy", "premium_receipt", "insured_id", "claim_form"])
    with pytest.raises(ValidationError) as refused:
        services.case_file_accept(by=clerk_a, case_pk=case.pk)
    assert code_of(refused.value) == "incomplete"
    message = refused.value.messages[0]
    assert "CLM-8" in message and "银行账户信息" in message and "事故证明" in message
    assert "保险单或保险凭证" not in message
    case.refresh_from_db()
    assert case.file_complete_at is None and case.stage == ClaimCase.Stage.REPORTED
    assert timer_of(case, "CLM-9") is None and timer_of(case, "REG-1-decision") is None


def test_clm_8_optional_lines_do_not_gate(case, clerk_a):
    DocumentRequirement.objects.filter(
        case_type=case.case_type, kind__code="accident_proof"
    ).update(required=False)
    add_documents(case, clerk_a, kinds=AGRICULTURE[:-1])
    services.case_file_accept(by=clerk_a, case_pk=case.pk)
    case.refresh_from_db()
    assert case.stage == ClaimCase.Stage.FILE_COMPLETE


def test_clm_8_complete_file_accepted_starts_clm_9_and_reg_1(case, clerk_a, time_machine):
    # Tuesday 29 September 2026, before Mid-autumn is over and National Day (1–7 Oct).
    accepted = beijing("2026-09-29")
    time_machine.move_to(accepted, tick=False)
    complete_file(case, clerk_a, at=accepted)
    case.refresh_from_db()
    assert case.file_complete_at == accepted and case.stage == ClaimCase.Stage.FILE_COMPLETE
    assert CaseEvent.objects.filter(case=case, stage=ClaimCase.Stage.FILE_COMPLETE).exists()
    # CLM-9: 3 working days: 30 Sep, 8 Oct, 9 Oct (National Day in between).
    transfer = timer_of(case, "CLM-9")
    assert transfer.due_at == end_of("2026-10-09") and transfer.clock == "working_days"
    # REG-1: 30 days on the wall clock, beside it.
    decision = timer_of(case, "REG-1-decision")
    assert decision.due_at == accepted + dt.timedelta(days=30) and decision.clock == "wall"
    with pytest.raises(ValidationError) as again:
        services.case_file_accept(by=clerk_a, case_pk=case.pk)
    assert code_of(again.value) == "accepted"


# --- CLM-9 transfer, CLM-10 special ----------------------------------------------------------
def test_clm_9_transfer_meets_the_timer_and_starts_the_review(case, clerk_a, time_machine):
    accepted = beijing("2026-09-29")
    time_machine.move_to(accepted, tick=False)
    complete_file(case, clerk_a, at=accepted)
    transfer_timer = timer_of(case, "CLM-9")
    moved = beijing("2026-09-30", 9)
    time_machine.move_to(moved, tick=False)
    services.case_transfer(by=clerk_a, case_pk=case.pk, at=moved, note="交理赔中心张科长")
    case.refresh_from_db()
    transfer_timer.refresh_from_db()
    assert case.stage == ClaimCase.Stage.TRANSFERRED and case.transferred_at == moved
    assert transfer_timer.state == SlaTimer.State.MET
    # CLM-10 review: 3 working days: 8 Oct, 9 Oct and Saturday 10 Oct (a make-up workday).
    review = timer_of(case, "CLM-10-review")
    assert review.due_at == end_of("2026-10-10")
    assert timer_of(case, "CLM-10-special") is None
    assert timer_of(case, "REG-1-decision").state == SlaTimer.State.RUNNING
    with pytest.raises(ValidationError) as again:
        services.case_transfer(by=clerk_a, case_pk=case.pk)
    assert code_of(again.value) == "transferred"


def test_clm_9_transfer_needs_an_accepted_file(case, clerk_a):
    with pytest.raises(ValidationError) as refused:
        services.case_transfer(by=clerk_a, case_pk=case.pk)
    assert code_of(refused.value) == "incomplete"


def test_clm_10_special_case_gets_30_working_days_instead_of_3(
    case, clerk_a, claims_centre, time_machine
):
    accepted = beijing("2026-09-29")
    time_machine.move_to(accepted, tick=False)
    complete_file(case, clerk_a, at=accepted)
    services.case_transfer(by=clerk_a, case_pk=case.pk, at=accepted)
    review = timer_of(case, "CLM-10-review")
    services.case_mark_special(by=claims_centre, case_pk=case.pk, reason="涉及多方责任认定")
    case.refresh_from_db()
    review.refresh_from_db()
    assert case.special and case.special_reason == "涉及多方责任认定"
    assert review.state == SlaTimer.State.CANCELLED
    special = timer_of(case, "CLM-10-special")
    assert special.state == SlaTimer.State.RUNNING and special.clock == "working_days"
    # 30 working days from 29 Sep: National Day off, Saturday 10 Oct worked.
    assert special.due_at == end_of("2026-11-16")


def test_clm_10_special_before_transfer_starts_at_transfer(case, clerk_a, county_manager):
    services.case_mark_special(by=county_manager, case_pk=case.pk, reason="案情复杂")
    assert timer_of(case, "CLM-10-special") is None
    complete_file(case, clerk_a)
    services.case_transfer(by=clerk_a, case_pk=case.pk)
    assert timer_of(case, "CLM-10-special") is not None
    assert timer_of(case, "CLM-10-review") is None


def test_clm_10_special_only_by_claims_centre_or_manager(case, clerk_a, outlet_head_a, auditor):
    for user in (clerk_a, outlet_head_a):
        with pytest.raises(PermissionDenied):
            services.case_mark_special(by=user, case_pk=case.pk, reason="x")
    with pytest.raises(ReadOnlyRole):
        services.case_mark_special(by=auditor, case_pk=case.pk, reason="x")
    case.refresh_from_db()
    assert not case.special
