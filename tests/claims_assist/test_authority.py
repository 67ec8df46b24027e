"""CLM-6 adjuster authorities: evaluations, grants with every refusal listed, revocation,
the check every assessment calls, and the expiry warning (SLA-2: once)."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from claims_assist import selectors
from claims_assist.models import AdjusterAuthorisation, AnnualEvaluation
from claims_assist.services import authority as authority_service
from claims_assist.services.authority import BeyondAuthority, check_authority
from core.access import NotInScope, ReadOnlyRole
from core.models import OutboxMessage, SlaTimer
from core.timers import timers_sweep
from tests.claims_assist.authority_support import evaluate, grant, manager_c, today


def _refusal(**kwargs) -> BeyondAuthority:
    with pytest.raises(ValidationError) as error:
        check_authority(**kwargs)
    assert error.value.code == "beyond_authority"
    assert "CLM-6" in error.value.messages[0]
    assert "city claims centre" in error.value.messages[0]
    return error.value


# Evaluations --------------------------------------------------------------------------------
def test_clm_6_evaluation_once_a_year_by_a_manager_of_the_branch(
    tree, claims_assist_a, county_manager, claims_centre, clerk_a, auditor
):
    evaluation = evaluate(by=county_manager, staff=claims_assist_a)
    assert evaluation.evaluated_by == county_manager
    with pytest.raises(ValidationError) as error:
        evaluate(by=claims_centre, staff=claims_assist_a)
    assert "year" in error.value.error_dict
    with pytest.raises(PermissionDenied):
        evaluate(by=clerk_a, staff=claims_assist_a, year=today().year)
    with pytest.raises(ReadOnlyRole):
        evaluate(by=auditor, staff=claims_assist_a, year=today().year)
    with pytest.raises(NotInScope):
        evaluate(by=manager_c(tree), staff=claims_assist_a, year=today().year)
    with pytest.raises(ValidationError) as error:
        evaluate(by=county_manager, staff=clerk_a)
    assert "staff" in error.value.error_dict
    assert AnnualEvaluation.objects.count() == 1


# Grants -------------------------------------------------------------------------------------
def test_clm_6_grant_starts_the_expiry_warning(claims_assist_a, county_manager):
    authorisation = grant(by=county_manager, holder=claims_assist_a, lines=["livestock", "crop"])
    assert authorisation.lines == ["crop", "livestock"]
    assert authorisation.case_limit == Decimal("2000")
    timer = authorisation.expiry_warning
    assert timer.rule.code == "CLM-6" and timer.owner == claims_assist_a
    end = dt.datetime.combine(
        authorisation.valid_to + dt.timedelta(days=1), dt.time.min, tzinfo=authority_service.BEIJING
    )
    assert timer.due_at == end - dt.timedelta(days=30)


def test_clm_6_grant_refusals_list_every_problem_and_save_nothing(claims_assist_a, county_manager):
    evaluation = evaluate(by=county_manager, staff=claims_assist_a)
    day = today()
    with pytest.raises(ValidationError) as error:
        authority_service.authorisation_grant(
            by=county_manager,
            holder=claims_assist_a,
            lines=[],
            case_limit=Decimal("2000.01"),
            valid_from=day,
            valid_to=day.replace(year=day.year + 1),
            evaluation=evaluation,
        )
    fields = error.value.error_dict
    assert {"lines", "case_limit", "valid_to"} <= set(fields)
    assert AdjusterAuthorisation.objects.count() == 0
    assert not SlaTimer.objects.filter(rule__code="CLM-6").exists()
    for limit in ("0", "-5"):
        with pytest.raises(ValidationError) as error:
            grant(
                by=county_manager, holder=claims_assist_a, evaluation=evaluation, case_limit=limit
            )
        assert "case_limit" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        grant(by=county_manager, holder=claims_assist_a, evaluation=evaluation, lines=["motor"])
    assert "lines" in error.value.error_dict
    # One year to the day before is the longest: 1 March → 28 February.
    ok = grant(
        by=county_manager,
        holder=claims_assist_a,
        evaluation=evaluation,
        valid_from=dt.date(day.year, 3, 1),
        valid_to=dt.date(day.year + 1, 2, 28),
    )
    assert ok.pk


def test_clm_6_granter_must_be_a_manager_of_the_holders_branch(
    tree, claims_assist_a, county_manager, outlet_head_a, clerk_a, auditor
):
    evaluation = evaluate(by=county_manager, staff=claims_assist_a)
    for user, exc in [
        (outlet_head_a, PermissionDenied),
        (clerk_a, PermissionDenied),
        (claims_assist_a, PermissionDenied),
        (auditor, ReadOnlyRole),
        (manager_c(tree), NotInScope),
    ]:
        with pytest.raises(exc):
            grant(by=user, holder=claims_assist_a, evaluation=evaluation)
    assert AdjusterAuthorisation.objects.count() == 0


def test_clm_6_holder_is_claims_assist_staff(clerk_a, county_manager):
    with pytest.raises(ValidationError) as error:
        grant(
            by=county_manager,
            holder=clerk_a,
            evaluation=AnnualEvaluation.objects.create(
                staff=clerk_a,
                year=today().year - 1,
                grade="good",
                evaluated_on=today(),
                evaluated_by=county_manager,
            ),
        )
    assert "holder" in error.value.error_dict


def test_clm_6_evaluation_required_not_failed_not_too_old(claims_assist_a, county_manager):
    with pytest.raises(ValidationError) as error:
        authority_service.authorisation_grant(
            by=county_manager,
            holder=claims_assist_a,
            lines=["crop"],
            valid_from=today(),
            valid_to=today() + dt.timedelta(days=30),
            evaluation=None,
        )
    assert "evaluation" in error.value.error_dict
    failed = evaluate(by=county_manager, staff=claims_assist_a, grade="fail")
    with pytest.raises(ValidationError) as error:
        grant(by=county_manager, holder=claims_assist_a, evaluation=failed)
    assert "evaluation" in error.value.error_dict
    old = evaluate(by=county_manager, staff=claims_assist_a, year=today().year - 2)
    with pytest.raises(ValidationError) as error:
        grant(by=county_manager, holder=claims_assist_a, evaluation=old)
    assert "evaluation" in error.value.error_dict
    assert AdjusterAuthorisation.objects.count() == 0


def test_clm_6_renewal_needs_a_new_evaluation(claims_assist_a, county_manager):
    day = today()
    evaluation = evaluate(by=county_manager, staff=claims_assist_a, grade="excellent")
    first = grant(
        by=county_manager,
        holder=claims_assist_a,
        evaluation=evaluation,
        valid_from=day - dt.timedelta(days=300),
        valid_to=day + dt.timedelta(days=20),
    )
    renewal = {"valid_from": day + dt.timedelta(days=21), "valid_to": day + dt.timedelta(days=380)}
    with pytest.raises(ValidationError) as error:
        grant(by=county_manager, holder=claims_assist_a, evaluation=evaluation, **renewal)
    assert "evaluation" in error.value.error_dict
    newer = evaluate(by=county_manager, staff=claims_assist_a, year=day.year)
    renewed = grant(by=county_manager, holder=claims_assist_a, evaluation=newer, **renewal)
    first.refresh_from_db()
    assert first.expiry_warning.state == SlaTimer.State.CANCELLED
    assert renewed.expiry_warning.is_open


def test_clm_6_overlap_for_the_same_line_refused(claims_assist_a, county_manager):
    evaluation = evaluate(by=county_manager, staff=claims_assist_a)
    grant(by=county_manager, holder=claims_assist_a, evaluation=evaluation, lines=["crop"])
    with pytest.raises(ValidationError) as error:
        grant(
            by=county_manager,
            holder=claims_assist_a,
            evaluation=evaluation,
            lines=["crop", "forest"],
            valid_from=today() + dt.timedelta(days=100),
            valid_to=today() + dt.timedelta(days=300),
        )
    assert "valid_from" in error.value.error_dict
    # Another line in the same period is fine.
    grant(by=county_manager, holder=claims_assist_a, evaluation=evaluation, lines=["forest"])
    assert AdjusterAuthorisation.objects.count() == 2


def test_clm_6_one_stop_needs_both_approvals_and_a_good_evaluation(
    tree, claims_assist_a, county_manager, claims_centre, clerk_a
):
    good = evaluate(by=county_manager, staff=claims_assist_a, grade="good")
    with pytest.raises(ValidationError) as error:
        grant(by=county_manager, holder=claims_assist_a, evaluation=good, one_stop=True)
    assert {
        "city_approved_by",
        "city_approved_on",
        "province_approval",
        "province_approved_on",
    } <= set(error.value.error_dict)
    approvals = {
        "one_stop": True,
        "city_approved_by": claims_centre,
        "city_approved_on": today() - dt.timedelta(days=20),
        "province_approval": "粤理赔〔2026〕12号",
        "province_approved_on": today() - dt.timedelta(days=15),
    }
    with pytest.raises(ValidationError) as error:
        grant(
            by=county_manager,
            holder=claims_assist_a,
            evaluation=good,
            **{**approvals, "city_approved_by": clerk_a},
        )
    assert "city_approved_by" in error.value.error_dict
    passed = evaluate(by=county_manager, staff=claims_assist_a, grade="pass", year=today().year)
    with pytest.raises(ValidationError) as error:
        grant(by=county_manager, holder=claims_assist_a, evaluation=passed, **approvals)
    assert "one_stop" in error.value.error_dict
    assert AdjusterAuthorisation.objects.count() == 0
    authorisation = grant(by=county_manager, holder=claims_assist_a, evaluation=good, **approvals)
    assert authorisation.one_stop
    assert (
        check_authority(holder=claims_assist_a, line="crop", amount=Decimal("1800"), one_stop=True)
        == authorisation
    )


# The check ----------------------------------------------------------------------------------
def test_clm_6_check_within_authority_returns_it(claims_assist_a, county_manager):
    authorisation = grant(
        by=county_manager, holder=claims_assist_a, lines=["crop"], case_limit=Decimal("1500")
    )
    assert check_authority(holder=claims_assist_a, line="crop", amount=Decimal("1500")) == (
        authorisation
    )
    assert selectors.authorities_of(holder=claims_assist_a).get() == authorisation


def test_clm_6_refusals_beyond_authority(claims_assist_a, county_manager, clerk_a):
    grant(by=county_manager, holder=claims_assist_a, lines=["crop"], case_limit=Decimal("1500"))
    assert _refusal(holder=claims_assist_a, line="crop", amount=Decimal("1500.01")).reason == (
        "above_limit"
    )
    assert _refusal(holder=claims_assist_a, line="livestock", amount=100).reason == ("no_authority")
    assert _refusal(holder=claims_assist_a, line="crop", amount=100, one_stop=True).reason == (
        "not_one_stop"
    )
    assert _refusal(holder=clerk_a, line="crop", amount=1).reason == "no_authority"


def test_clm_6_expired_and_not_yet_valid(claims_assist_a, county_manager):
    authorisation = grant(by=county_manager, holder=claims_assist_a)
    before = timezone.make_aware(
        dt.datetime.combine(authorisation.valid_from - dt.timedelta(days=1), dt.time(23, 59))
    )
    assert _refusal(holder=claims_assist_a, line="crop", amount=10, at=before).reason == (
        "not_yet_valid"
    )
    last_moment = authority_service.day_end(authorisation.valid_to) - dt.timedelta(seconds=1)
    assert check_authority(holder=claims_assist_a, line="crop", amount=10, at=last_moment)
    after = authority_service.day_end(authorisation.valid_to)
    assert _refusal(holder=claims_assist_a, line="crop", amount=10, at=after).reason == "expired"


def test_clm_6_revoked_authority_refused_and_warning_cancelled(
    claims_assist_a, county_manager, clerk_a
):
    authorisation = grant(by=county_manager, holder=claims_assist_a)
    with pytest.raises(PermissionDenied):
        authority_service.authorisation_revoke(by=clerk_a, authorisation=authorisation, reason="x")
    with pytest.raises(ValidationError):
        authority_service.authorisation_revoke(
            by=county_manager, authorisation=authorisation, reason=" "
        )
    authority_service.authorisation_revoke(
        by=county_manager, authorisation=authorisation, reason="考评后发现定损违规"
    )
    authorisation.refresh_from_db()
    assert authorisation.state == AdjusterAuthorisation.State.REVOKED
    assert authorisation.expiry_warning.state == SlaTimer.State.CANCELLED
    assert _refusal(holder=claims_assist_a, line="crop", amount=10).reason == "revoked"
    with pytest.raises(ValidationError):
        authority_service.authorisation_revoke(
            by=county_manager, authorisation=authorisation, reason="again"
        )


# The warning --------------------------------------------------------------------------------
def test_clm_6_expiry_warning_fires_once(tree, claims_assist_a, county_manager, claims_centre):
    with time_machine.travel(dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC), tick=False):
        evaluation = evaluate(by=county_manager, staff=claims_assist_a)
        authorisation = grant(
            by=county_manager,
            holder=claims_assist_a,
            evaluation=evaluation,
            valid_from=dt.date(2026, 3, 1),
            valid_to=dt.date(2027, 2, 28),
        )
        assert timers_sweep(now=timezone.now()).breached == 0
    timer = authorisation.expiry_warning
    assert timezone.localtime(timer.due_at).date() == dt.date(2027, 1, 30)
    with time_machine.travel(timer.due_at + dt.timedelta(minutes=1), tick=False):
        assert timers_sweep(now=timezone.now()).breached == 1
        assert timers_sweep(now=timezone.now()).breached == 0
    recipients = set(
        OutboxMessage.objects.filter(
            dedup_key__startswith=f"claims-authority:{authorisation.pk}:"
        ).values_list("recipient__username", flat=True)
    )
    assert recipients == {claims_assist_a.username, county_manager.username}
