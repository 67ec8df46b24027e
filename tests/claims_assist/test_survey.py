"""CLM-5 assisted survey: the city claims centre (or a county manager) assigns outlet
staff to survey on site (never a motor case) or to assist; the assignee reports the
findings with photos (EXIF time and GPS kept; a refused photo saves nothing)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from claims_assist.models import CaseEvent, ClaimCase, SurveyAssignment
from claims_assist.services import survey as survey_service
from core.access import NotInScope, ReadOnlyRole
from core.models import EvidencePhoto, OutboxMessage
from core.selectors import evidence_for
from tests.claims_assist.authority_support import assist_c, manager_c
from tests.claims_assist.survey_support import (
    TAKEN_UTC,
    fake_photo,
    motor_case,
    photo,
    rice_case,
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def case(claims_book, clerk_a) -> ClaimCase:
    return rice_case(claims_book, by=clerk_a)


def _assign(case, *, by, assignee, kind=SurveyAssignment.Kind.SURVEY, **values):
    return survey_service.assignment_create(
        by=by, case_pk=case.pk, kind=kind, assignee=assignee, **values
    )


def test_clm_5_claims_centre_assigns_a_survey(case, claims_centre, claims_assist_a):
    assignment = _assign(case, by=claims_centre, assignee=claims_assist_a, instructions="带卷尺")

    case.refresh_from_db()
    assert assignment.state == SurveyAssignment.State.OPEN
    assert assignment.assigned_by == claims_centre and assignment.instructions == "带卷尺"
    assert case.stage == ClaimCase.Stage.SURVEY
    assert case.events.filter(stage=ClaimCase.Stage.SURVEY).count() == 1
    message = OutboxMessage.objects.get(dedup_key__startswith=f"claim-case:{case.pk}:assignment:")
    assert message.recipient == claims_assist_a
    assert message.link == f"/claims/assignments/{assignment.pk}/"


def test_clm_5_county_manager_assigns_assistance_and_a_later_stage_is_kept(
    case, county_manager, clerk_a, claims_centre, claims_assist_a
):
    _assign(case, by=claims_centre, assignee=claims_assist_a)
    second = _assign(case, by=county_manager, assignee=clerk_a, kind=SurveyAssignment.Kind.ASSIST)
    case.refresh_from_db()
    assert second.kind == SurveyAssignment.Kind.ASSIST
    assert case.stage == ClaimCase.Stage.SURVEY
    # The second assignment is noted on the timeline without a new stage.
    assert case.events.filter(stage=ClaimCase.Stage.SURVEY).count() == 2


def test_clm_5_motor_case_survey_refused_assistance_allowed(
    claims_book, clerk_a, claims_centre, claims_assist_a
):
    case = motor_case(claims_book, by=clerk_a)
    with pytest.raises(ValidationError) as error:
        _assign(case, by=claims_centre, assignee=claims_assist_a)
    assert "kind" in error.value.error_dict
    assert "motor" in error.value.error_dict["kind"][0].messages[0]
    assert SurveyAssignment.objects.count() == 0

    assist = _assign(
        case, by=claims_centre, assignee=claims_assist_a, kind=SurveyAssignment.Kind.ASSIST
    )
    assert assist.kind == SurveyAssignment.Kind.ASSIST


def test_clm_5_assignee_must_be_active_staff_of_the_case_outlet(
    tree, case, claims_centre, clerk_b, county_manager, claims_assist_a
):
    for assignee in (clerk_b, county_manager, assist_c(tree), None):
        with pytest.raises(ValidationError) as error:
            _assign(case, by=claims_centre, assignee=assignee)
        assert "assignee" in error.value.error_dict
    claims_assist_a.is_active = False
    claims_assist_a.save()
    with pytest.raises(ValidationError):
        _assign(case, by=claims_centre, assignee=claims_assist_a)
    assert SurveyAssignment.objects.count() == 0


def test_clm_5_only_claims_centre_or_county_manager_assign(
    tree, case, clerk_a, outlet_head_a, auditor, claims_assist_a
):
    for user in (clerk_a, outlet_head_a):
        with pytest.raises(PermissionDenied):
            _assign(case, by=user, assignee=claims_assist_a)
    with pytest.raises(ReadOnlyRole):
        _assign(case, by=auditor, assignee=claims_assist_a)
    with pytest.raises(NotInScope):
        _assign(case, by=manager_c(tree), assignee=claims_assist_a)
    assert SurveyAssignment.objects.count() == 0


def test_clm_5_final_stage_case_refused(case, claims_centre, claims_assist_a):
    ClaimCase.objects.filter(pk=case.pk).update(stage=ClaimCase.Stage.WITHDRAWN)
    with pytest.raises(ValidationError) as error:
        _assign(case, by=claims_centre, assignee=claims_assist_a)
    assert "__all__" in error.value.error_dict


def test_clm_5_report_with_photos_keeps_exif_time_and_gps(
    case, claims_centre, claims_assist_a, clerk_b
):
    assignment = _assign(case, by=claims_centre, assignee=claims_assist_a)
    surveyed_at = timezone.now() - dt.timedelta(hours=1)
    done = survey_service.assignment_report(
        by=claims_assist_a,
        assignment_pk=assignment.pk,
        findings="稻田受淹约3亩。",
        surveyed_at=surveyed_at,
        photos=[photo("IMG_1.jpg"), photo("IMG_2.jpg")],
        documents_note="身份证复印件、银行卡",
    )

    done.refresh_from_db()
    assert done.state == SurveyAssignment.State.DONE and done.done_at is not None
    assert done.findings == "稻田受淹约3亩。" and done.surveyed_at == surveyed_at
    photos = list(evidence_for(user=claims_assist_a, subject=done))
    assert [p.original_name for p in photos] == ["IMG_1.jpg", "IMG_2.jpg"]
    assert all(p.org_unit_id == case.org_unit_id for p in photos)
    assert photos[0].taken_at == TAKEN_UTC
    assert photos[0].gps_latitude is not None and photos[0].gps_longitude is not None
    assert list(evidence_for(user=clerk_b, subject=done)) == []
    event = CaseEvent.objects.filter(case=case).last()
    assert "身份证复印件" in event.note and "2" in event.note


def test_clm_5_fake_photo_refused_and_nothing_saved(
    case, claims_centre, claims_assist_a, media_root
):
    assignment = _assign(case, by=claims_centre, assignee=claims_assist_a)
    events = CaseEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        survey_service.assignment_report(
            by=claims_assist_a,
            assignment_pk=assignment.pk,
            findings="稻田受淹。",
            surveyed_at=timezone.now(),
            photos=[photo("IMG_1.jpg"), fake_photo()],
        )
    assert error.value.code == "not_an_image"
    assignment.refresh_from_db()
    assert assignment.state == SurveyAssignment.State.OPEN and assignment.findings == ""
    assert EvidencePhoto.objects.count() == 0
    assert CaseEvent.objects.count() == events
    # The first photo's files were stored before the refusal and are removed again.
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_clm_5_oversized_photo_refused_and_nothing_saved(
    case, claims_centre, claims_assist_a, settings
):
    assignment = _assign(case, by=claims_centre, assignee=claims_assist_a)
    settings.PHOTO_MAX_BYTES = 2000
    with pytest.raises(ValidationError) as error:
        survey_service.assignment_report(
            by=claims_assist_a,
            assignment_pk=assignment.pk,
            findings="稻田受淹。",
            surveyed_at=timezone.now(),
            photos=[photo()],
        )
    assert error.value.code == "too_large"
    assert EvidencePhoto.objects.count() == 0
    assert SurveyAssignment.objects.get().state == SurveyAssignment.State.OPEN


def test_clm_5_report_only_by_assignee_or_manager_while_open(
    case, claims_centre, claims_assist_a, clerk_a, county_manager
):
    assignment = _assign(case, by=claims_centre, assignee=claims_assist_a)
    values = {"findings": "已查勘。", "surveyed_at": timezone.now()}
    with pytest.raises(PermissionDenied):
        survey_service.assignment_report(by=clerk_a, assignment_pk=assignment.pk, **values)
    with pytest.raises(ValidationError) as error:
        survey_service.assignment_report(
            by=claims_assist_a,
            assignment_pk=assignment.pk,
            findings=" ",
            surveyed_at=timezone.now() + dt.timedelta(hours=2),
        )
    assert {"findings", "surveyed_at"} <= set(error.value.error_dict)
    survey_service.assignment_report(by=county_manager, assignment_pk=assignment.pk, **values)
    with pytest.raises(ValidationError) as error:
        survey_service.assignment_report(by=claims_assist_a, assignment_pk=assignment.pk, **values)
    assert "__all__" in error.value.error_dict


def test_clm_5_cancel_with_reason(case, claims_centre, claims_assist_a, clerk_a):
    assignment = _assign(case, by=claims_centre, assignee=claims_assist_a)
    with pytest.raises(PermissionDenied):
        survey_service.assignment_cancel(by=clerk_a, assignment_pk=assignment.pk, reason="x")
    with pytest.raises(ValidationError):
        survey_service.assignment_cancel(by=claims_centre, assignment_pk=assignment.pk, reason="")
    cancelled = survey_service.assignment_cancel(
        by=claims_centre, assignment_pk=assignment.pk, reason="客户已撤案"
    )
    assert cancelled.state == SurveyAssignment.State.CANCELLED
    assert cancelled.history.first().history_change_reason == "客户已撤案"
    assert OutboxMessage.objects.filter(
        recipient=claims_assist_a, dedup_key__contains=f"assignment:{assignment.pk}:cancelled"
    ).exists()
    with pytest.raises(ValidationError):
        survey_service.assignment_cancel(
            by=claims_centre, assignment_pk=assignment.pk, reason="again"
        )
