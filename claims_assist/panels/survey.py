"""The case page's survey panel: survey assignments (CLM-5), the current and past
assessments with the exclusions applied and the authority used (CLM-6, CLM-15), the
assessment form for a holder of a valid authority (with "my authority"), the
beyond-authority refusal with the referral to the claims centre, the remote materials
with their deadline (CLM-7) and the one-stop steps. Reads only."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from claims_assist import selectors, selectors_survey
from claims_assist.models import (
    Assessment,
    AuthorityLine,
    ClaimCase,
    PaymentRequest,
    SurveyAssignment,
)
from claims_assist.services.assessment import REMOTE_RULE, authority_line_of
from claims_assist.services.authority import BeyondAuthority, check_authority
from claims_assist.services.cases import case_timer
from claims_assist.services.survey import may_assign
from claims_assist.views.survey import (
    AssessmentForm,
    AssignmentForm,
    CalculateForm,
    MaterialsForm,
    PaymentRequestForm,
    ReasonForm,
    SignForm,
)
from core.models import Role, User
from core.selectors import evidence_for


def one_stop_steps(*, case: ClaimCase, assessment: Assessment) -> list[dict]:
    """CLM-6: the steps of a one-stop settlement in order, each done or not; the first
    not done is the next one."""
    steps = [
        {
            "key": "survey",
            "label": _("Survey"),
            "done": case.assignments.filter(
                assignee=assessment.adjuster_id,
                kind=SurveyAssignment.Kind.SURVEY,
                state=SurveyAssignment.State.DONE,
            ).exists(),
        },
        {"key": "assessment", "label": _("Assessment"), "done": True, "at": assessment.assessed_at},
        {
            "key": "calculation",
            "label": _("Calculation"),
            "done": assessment.calculated_at is not None,
            "at": assessment.calculated_at,
        },
        {
            "key": "signature",
            "label": _("Customer signature"),
            "done": assessment.customer_signed_at is not None,
            "at": assessment.customer_signed_at,
        },
        {
            "key": "payment",
            "label": _("Payment request"),
            "done": case.payments.exclude(state=PaymentRequest.State.CANCELLED).exists(),
        },
    ]
    next_step = next((step for step in steps if not step["done"]), None)
    for step in steps:
        step["next"] = step is next_step
    return steps


def _refusal(*, case: ClaimCase, user: User) -> BeyondAuthority | None:
    """CLM-6: why the claims-assist user may not assess the case (at its estimated
    amount), if so."""
    if user.role != Role.CLAIMS_ASSIST or not case.is_open:
        return None
    try:
        check_authority(
            holder=user,
            line=authority_line_of(case),
            amount=case.estimated_amount or Decimal("0"),
        )
    except BeyondAuthority as exc:
        return exc
    return None


def _with_photos(records, user):
    records = list(records)
    for record in records:
        record.photos = list(evidence_for(user=user, subject=record))
    return records


def panel(*, case: ClaimCase, user: User) -> dict:
    writer = user.is_active and not user.is_read_only and case.is_open
    assessments = _with_photos(selectors_survey.assessment_list(user=user, case=case), user)
    current = next((a for a in assessments if a.superseded_at is None), None)
    authorities = list(selectors.authorities_of(holder=user))
    for authorisation in authorities:
        authorisation.line_labels = [
            AuthorityLine(line).label
            for line in authorisation.lines
            if line in AuthorityLine.values
        ]
    refusal = _refusal(case=case, user=user)
    is_adjuster = current is not None and current.adjuster_id == user.pk
    context = {
        "case": case,
        "assignments": _with_photos(selectors_survey.assignment_list(user=user, case=case), user),
        "assignment_form": AssignmentForm(case=case) if writer and may_assign(user) else None,
        "current": current,
        "past": [a for a in assessments if a.superseded_at is not None],
        "authorities": authorities,
        "assessment_form": AssessmentForm(case=case) if writer and authorities else None,
        "refusal": refusal,
        "refer_form": ReasonForm(initial={"reason": refusal.messages[0]})
        if writer and refusal
        else None,
        "remote_timer": None,
        "materials_form": None,
        "steps": [],
        "step_form": None,
    }
    if current is not None and current.mode == Assessment.Mode.REMOTE:
        context["remote_timer"] = case_timer(case=case, rule_code=REMOTE_RULE)
        if writer and (is_adjuster or user.is_manager):
            context["materials_form"] = MaterialsForm()
    if current is not None and current.mode == Assessment.Mode.ONE_STOP:
        steps = one_stop_steps(case=case, assessment=current)
        context["steps"] = steps
        next_key = next((step["key"] for step in steps if step["next"]), None)
        if writer and is_adjuster and case.decision == ClaimCase.Decision.PENDING:
            context["step_form"] = {
                "calculation": lambda: CalculateForm(initial={"payable": current.amount}),
                "signature": lambda: SignForm(initial={"signed_by_name": case.insured_name}),
                "payment": lambda: PaymentRequestForm(
                    initial={
                        "payee_name": case.insured_name,
                        "payee_id_number": case.insured_id_number,
                    }
                ),
            }.get(next_key, lambda: None)()
        context["next_step"] = next_key
    return context
