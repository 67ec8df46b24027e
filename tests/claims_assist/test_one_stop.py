"""CLM-6 one-stop service: survey → assessment → calculation → customer signature →
payment request, in this order, all by the same adjuster holding a one-stop authority
valid at each step (an authority that expires or is revoked in between stops it)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from claims_assist.models import Assessment, ClaimCase, PaymentRequest
from claims_assist.services import assessment as assessment_service
from claims_assist.services import authority as authority_service
from claims_assist.services import one_stop as one_stop_service
from claims_assist.services.authority import BeyondAuthority
from core.models import EvidencePhoto
from core.selectors import evidence_for
from tests.claims_assist.authority_support import grant, today
from tests.claims_assist.survey_support import (
    fake_photo,
    grant_one_stop,
    photo,
    rice_case,
    surveyed_by,
)

PAYEE = {
    "payee_name": "张三",
    "payee_id_number": "11010519491231002x",
    "bank_name": "中国农业银行阳山支行",
    "bank_account": "6228 4801 2345 6789 012",
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def case(claims_book, clerk_a) -> ClaimCase:
    return rice_case(claims_book, by=clerk_a)


@pytest.fixture
def authorisation(claims_assist_a, county_manager, claims_centre):
    return grant_one_stop(by=county_manager, holder=claims_assist_a, claims_centre=claims_centre)


def _assess_one_stop(case, *, by, amount="1800.00") -> Assessment:
    return assessment_service.assessment_record(
        by=by,
        case_pk=case.pk,
        mode=Assessment.Mode.ONE_STOP,
        loss_cause="暴雨内涝",
        quantity=Decimal("3"),
        unit="亩",
        amount=Decimal(amount),
    )


@pytest.fixture
def assessment(case, claims_assist_a, claims_centre, authorisation) -> Assessment:
    surveyed_by(case, assigner=claims_centre, adjuster=claims_assist_a)
    return _assess_one_stop(case, by=claims_assist_a)


def _file_complete(case) -> None:
    """The file accepted as complete (CLM-8), as the documents part records it."""
    ClaimCase.objects.filter(pk=case.pk).update(
        file_complete_at=timezone.now(), stage=ClaimCase.Stage.FILE_COMPLETE
    )


def _calculate(assessment, *, by, payable="1800.00", note=""):
    return one_stop_service.one_stop_calculate(
        by=by, assessment_pk=assessment.pk, payable=Decimal(payable), note=note
    )


def _sign(assessment, *, by, **values):
    return one_stop_service.one_stop_sign(
        by=by, assessment_pk=assessment.pk, signed_by_name="张三", **values
    )


def _request(case, *, by, **values):
    return one_stop_service.one_stop_request_payment(by=by, case_pk=case.pk, **{**PAYEE, **values})


def test_clm_6_one_stop_steps_in_order(case, assessment, claims_assist_a, authorisation):
    assert assessment.authorisation == authorisation and assessment.mode == "one_stop"
    calculated = _calculate(
        assessment, by=claims_assist_a, payable="1700.00", note="扣除10%绝对免赔"
    )
    assert calculated.calculated_amount == Decimal("1700.00")
    assert calculated.calculation_note == "扣除10%绝对免赔" and calculated.calculated_at
    signed = _sign(assessment, by=claims_assist_a, photo=photo("signed.jpg"))
    assert signed.signed_by_name == "张三" and signed.customer_signed_at is not None
    assert [p.caption for p in evidence_for(user=claims_assist_a, subject=signed)] == [
        "Signed settlement"
    ]
    _file_complete(case)

    payment = _request(case, by=claims_assist_a)

    case.refresh_from_db()
    assert case.decision == ClaimCase.Decision.PAY and case.approved_amount == Decimal("1700.00")
    assert case.stage == ClaimCase.Stage.APPROVED
    assert payment.amount == Decimal("1700.00")
    assert payment.payee_id_number == "11010519491231002X"
    assert payment.bank_account == "6228480123456789012"
    assert payment.state == PaymentRequest.State.REQUESTED


def test_clm_6_one_stop_out_of_order_refused(case, assessment, claims_assist_a):
    _file_complete(case)
    with pytest.raises(ValidationError) as error:
        _sign(assessment, by=claims_assist_a)
    assert error.value.code == "not_calculated"
    with pytest.raises(ValidationError) as error:
        _request(case, by=claims_assist_a)
    assert error.value.code == "not_signed"
    _calculate(assessment, by=claims_assist_a)
    with pytest.raises(ValidationError) as error:
        _request(case, by=claims_assist_a)
    assert error.value.code == "not_signed"
    _sign(assessment, by=claims_assist_a)
    with pytest.raises(ValidationError):
        _calculate(assessment, by=claims_assist_a, payable="1000", note="改")
    with pytest.raises(ValidationError) as error:
        _sign(assessment, by=claims_assist_a)
    assert error.value.code == "already_signed"
    assert PaymentRequest.objects.count() == 0


def test_clm_6_one_stop_calculation_rules(assessment, claims_assist_a):
    with pytest.raises(ValidationError) as error:
        _calculate(assessment, by=claims_assist_a, payable="1800.01")
    assert "payable" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        _calculate(assessment, by=claims_assist_a, payable="-1")
    assert "payable" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        _calculate(assessment, by=claims_assist_a, payable="1500")
    assert "note" in error.value.error_dict
    assessment.refresh_from_db()
    assert assessment.calculated_at is None
    # Until the customer signs, the calculation may be redone.
    _calculate(assessment, by=claims_assist_a, payable="1500", note="扣除免赔")
    assert _calculate(assessment, by=claims_assist_a).calculated_amount == Decimal("1800.00")


def test_clm_6_one_stop_by_the_same_adjuster_only(
    case, assessment, county_manager, claims_centre, outlet_head_a
):
    for user in (county_manager, claims_centre, outlet_head_a):
        with pytest.raises(PermissionDenied):
            _calculate(assessment, by=user)


def test_clm_6_one_stop_authority_expired_between_steps_refused(
    case, claims_assist_a, county_manager, claims_centre
):
    grant_one_stop(
        by=county_manager,
        holder=claims_assist_a,
        claims_centre=claims_centre,
        valid_to=today() + dt.timedelta(days=2),
    )
    surveyed_by(case, assigner=claims_centre, adjuster=claims_assist_a)
    assessment = _assess_one_stop(case, by=claims_assist_a)
    _calculate(assessment, by=claims_assist_a)
    later = timezone.now() + dt.timedelta(days=4)
    with time_machine.travel(later, tick=False), pytest.raises(BeyondAuthority) as error:
        _sign(assessment, by=claims_assist_a)
    assert error.value.reason == "expired"
    assessment.refresh_from_db()
    assert assessment.customer_signed_at is None


def test_clm_6_one_stop_authority_revoked_before_payment_refused(
    case, assessment, claims_assist_a, county_manager, authorisation
):
    _calculate(assessment, by=claims_assist_a)
    _sign(assessment, by=claims_assist_a)
    _file_complete(case)
    authority_service.authorisation_revoke(
        by=county_manager, authorisation=authorisation, reason="投诉核实后撤销"
    )
    with pytest.raises(BeyondAuthority) as error:
        _request(case, by=claims_assist_a)
    assert error.value.reason == "revoked"
    case.refresh_from_db()
    assert case.decision == ClaimCase.Decision.PENDING
    assert PaymentRequest.objects.count() == 0


def test_clm_6_one_stop_steps_refused_for_another_mode(case, claims_assist_a, county_manager):
    grant(by=county_manager, holder=claims_assist_a)
    on_site = assessment_service.assessment_record(
        by=claims_assist_a,
        case_pk=case.pk,
        mode=Assessment.Mode.ON_SITE,
        loss_cause="暴雨",
        quantity=Decimal("1"),
        unit="亩",
        amount=Decimal("500"),
    )
    with pytest.raises(ValidationError) as error:
        _calculate(on_site, by=claims_assist_a, payable="500")
    assert error.value.code == "not_one_stop"


def test_clm_6_one_stop_payee_checked(case, assessment, claims_assist_a):
    _calculate(assessment, by=claims_assist_a)
    _sign(assessment, by=claims_assist_a)
    _file_complete(case)
    with pytest.raises(ValidationError) as error:
        _request(
            case,
            by=claims_assist_a,
            payee_id_number="110105194912310021",
            bank_account="62284801",
            bank_name=" ",
        )
    assert {"payee_id_number", "bank_account", "bank_name"} <= set(error.value.error_dict)
    case.refresh_from_db()
    assert case.decision == ClaimCase.Decision.PENDING


def test_clm_8_one_stop_payment_needs_a_complete_file(case, assessment, claims_assist_a):
    _calculate(assessment, by=claims_assist_a)
    _sign(assessment, by=claims_assist_a)
    with pytest.raises(ValidationError):
        _request(case, by=claims_assist_a)
    assert PaymentRequest.objects.count() == 0


def test_clm_6_signature_photo_refused_saves_nothing(assessment, claims_assist_a, media_root):
    photos_before = EvidencePhoto.objects.count()
    _calculate(assessment, by=claims_assist_a)
    with pytest.raises(ValidationError):
        _sign(assessment, by=claims_assist_a, photo=fake_photo())
    assessment.refresh_from_db()
    assert assessment.customer_signed_at is None
    assert EvidencePhoto.objects.count() == photos_before
