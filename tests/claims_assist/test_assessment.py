"""CLM-6 assessment under the adjuster's valid authority (line, amount, period,
revocation, one-stop), CLM-15 exclusions as the product's data, the newer assessment
superseding the current one, and the referral to the city claims centre."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from claims_assist.models import Assessment, ClaimCase
from claims_assist.services import assessment as assessment_service
from claims_assist.services import authority as authority_service
from claims_assist.services.authority import BeyondAuthority
from core.access import NotInScope, ReadOnlyRole
from core.models import OutboxMessage
from tests.claims_assist.authority_support import grant, manager_c
from tests.claims_assist.survey_support import grant_one_stop, motor_case, rice_case, surveyed_by


@pytest.fixture
def case(claims_book, clerk_a) -> ClaimCase:
    return rice_case(claims_book, by=clerk_a)


@pytest.fixture
def authorisation(claims_assist_a, county_manager):
    return grant(by=county_manager, holder=claims_assist_a, case_limit=Decimal("1500"))


def _assess(case, *, by, amount="1200.00", mode=Assessment.Mode.ON_SITE, **values):
    values = {
        "loss_cause": "暴雨内涝",
        "quantity": Decimal("3"),
        "unit": "亩",
        **values,
    }
    return assessment_service.assessment_record(
        by=by, case_pk=case.pk, mode=mode, amount=Decimal(amount), **values
    )


def test_clm_6_assessment_within_authority(case, claims_assist_a, authorisation):
    assessment = _assess(case, by=claims_assist_a)

    case.refresh_from_db()
    assert assessment.adjuster == claims_assist_a
    assert assessment.authorisation == authorisation
    assert assessment.amount == Decimal("1200.00") and assessment.superseded_at is None
    assert case.stage == ClaimCase.Stage.ASSESSED
    assert case.events.filter(stage=ClaimCase.Stage.ASSESSED).count() == 1


def test_clm_6_beyond_the_amount_refused(case, claims_assist_a, authorisation):
    with pytest.raises(BeyondAuthority) as error:
        _assess(case, by=claims_assist_a, amount="1500.01")
    assert error.value.code == "beyond_authority" and error.value.reason == "above_limit"
    assert "claims centre" in error.value.messages[0]
    assert Assessment.objects.count() == 0
    case.refresh_from_db()
    assert case.stage == ClaimCase.Stage.REPORTED


def test_clm_6_expired_authority_refused(case, claims_assist_a, authorisation):
    after = dt.datetime.combine(
        authorisation.valid_to + dt.timedelta(days=1), dt.time(10), tzinfo=authority_service.BEIJING
    )
    with time_machine.travel(after, tick=False), pytest.raises(BeyondAuthority) as error:
        _assess(case, by=claims_assist_a)
    assert error.value.reason == "expired"
    assert Assessment.objects.count() == 0


def test_clm_6_revoked_authority_refused(case, claims_assist_a, county_manager, authorisation):
    authority_service.authorisation_revoke(
        by=county_manager, authorisation=authorisation, reason="评估后撤销"
    )
    with pytest.raises(BeyondAuthority) as error:
        _assess(case, by=claims_assist_a)
    assert error.value.reason == "revoked"


def test_clm_6_wrong_line_refused(claims_book, case, clerk_a, claims_assist_a, county_manager):
    grant(by=county_manager, holder=claims_assist_a, lines=["livestock"])
    with pytest.raises(BeyondAuthority) as error:
        _assess(case, by=claims_assist_a)
    assert error.value.reason == "no_authority"
    # A motor case is no small agricultural case: beyond every adjuster's authority.
    motor = motor_case(claims_book, by=clerk_a)
    with pytest.raises(BeyondAuthority) as error:
        _assess(motor, by=claims_assist_a)
    assert error.value.reason == "not_small_agricultural"
    assert Assessment.objects.count() == 0


def test_clm_6_non_holder_refused(case, clerk_a, authorisation):
    with pytest.raises(BeyondAuthority) as error:
        _assess(case, by=clerk_a)
    assert error.value.reason == "no_authority"


def test_clm_6_one_stop_without_one_stop_authority_refused(
    case, claims_assist_a, claims_centre, authorisation
):
    surveyed_by(case, assigner=claims_centre, adjuster=claims_assist_a)
    with pytest.raises(BeyondAuthority) as error:
        _assess(case, by=claims_assist_a, mode=Assessment.Mode.ONE_STOP)
    assert error.value.reason == "not_one_stop"


def test_clm_6_one_stop_needs_the_adjusters_own_survey(
    case, claims_assist_a, county_manager, claims_centre
):
    grant_one_stop(by=county_manager, holder=claims_assist_a, claims_centre=claims_centre)
    with pytest.raises(ValidationError) as error:
        _assess(case, by=claims_assist_a, mode=Assessment.Mode.ONE_STOP)
    assert "mode" in error.value.error_dict


def test_clm_6_scope_and_read_only(tree, case, auditor, authorisation):
    with pytest.raises(ReadOnlyRole):
        _assess(case, by=auditor)
    with pytest.raises(NotInScope):
        _assess(case, by=manager_c(tree))


def test_clm_15_exclusions_of_the_product_with_a_note(
    claims_book, case, claims_assist_a, authorisation
):
    own = list(claims_book.rice.exclusions.all()[:2])
    with pytest.raises(ValidationError) as error:
        _assess(case, by=claims_assist_a, exclusion_ids=[own[0].pk])
    assert "exclusion_note" in error.value.error_dict

    assessment = _assess(
        case,
        by=claims_assist_a,
        exclusion_ids=[e.pk for e in own],
        exclusion_note="部分地块为故意放水淹田。",
    )
    assert set(assessment.exclusions.all()) == set(own)
    assert assessment.exclusion_note == "部分地块为故意放水淹田。"


def test_clm_15_exclusion_of_another_product_refused(
    claims_book, case, claims_assist_a, authorisation
):
    other = claims_book.elderly.exclusions.first()
    with pytest.raises(ValidationError) as error:
        _assess(case, by=claims_assist_a, exclusion_ids=[other.pk], exclusion_note="不适用")
    assert "exclusions" in error.value.error_dict
    assert "CLM-15" in error.value.error_dict["exclusions"][0].messages[0]
    assert Assessment.objects.count() == 0


def test_clm_6_newer_assessment_supersedes_the_current(case, claims_assist_a, authorisation):
    first = _assess(case, by=claims_assist_a, amount="1000")
    second = _assess(case, by=claims_assist_a, amount="1100")

    first.refresh_from_db()
    assert first.superseded_at == second.assessed_at
    assert second.superseded_at is None
    assert Assessment.objects.filter(case=case, superseded_at__isnull=True).get() == second
    # The stage was reached once; the re-assessment is an event at the same stage.
    assert case.events.filter(stage=ClaimCase.Stage.ASSESSED).count() == 2


def test_clm_6_input_problems_listed_by_field(case, claims_assist_a, authorisation):
    with pytest.raises(ValidationError) as error:
        assessment_service.assessment_record(
            by=claims_assist_a,
            case_pk=case.pk,
            mode="guess",
            loss_cause="",
            quantity="-1",
            unit="",
            amount="12.345",
        )
    assert {"mode", "loss_cause", "quantity", "unit", "amount"} <= set(error.value.error_dict)


def test_clm_6_decided_case_no_longer_assessed(case, claims_assist_a, authorisation):
    ClaimCase.objects.filter(pk=case.pk).update(stage=ClaimCase.Stage.APPROVED, decision="pay")
    with pytest.raises(ValidationError) as error:
        _assess(case, by=claims_assist_a)
    assert "__all__" in error.value.error_dict


def test_clm_6_refer_to_the_claims_centre(case, claims_assist_a, claims_centre, auditor):
    referred = assessment_service.case_refer(
        by=claims_assist_a, case_pk=case.pk, reason="超出2000元权限"
    )
    assert referred.referred_at is not None and referred.referral_reason == "超出2000元权限"
    event = case.events.last()
    assert "超出2000元权限" in event.note and "CLM-6" in event.note
    message = OutboxMessage.objects.get(dedup_key__startswith=f"claim-case:{case.pk}:referral:")
    assert message.recipient == claims_centre
    assert message.link == f"/claims/cases/{case.pk}/"
    with pytest.raises(ValidationError):
        assessment_service.case_refer(by=claims_assist_a, case_pk=case.pk, reason=" ")
    with pytest.raises(ReadOnlyRole):
        assessment_service.case_refer(by=auditor, case_pk=case.pk, reason="x")


def test_clm_6_refer_refused_for_a_closed_case(case, claims_assist_a):
    ClaimCase.objects.filter(pk=case.pk).update(stage=ClaimCase.Stage.CLOSED)
    with pytest.raises(ValidationError):
        assessment_service.case_refer(by=claims_assist_a, case_pk=case.pk, reason="x")
    assert ClaimCase.objects.get(pk=case.pk).referred_at is None
