"""The case page's check panel: the CLM-3 initial check (the facts beside its form, or
its result), the written refusals with their REG-1 delivery form, and the CLM-4 major
flag with the head-office report and the manual flag forms."""

from claims_assist.forms_check import CheckForm, DeliveredForm, MajorFlagForm, MajorReportedForm
from claims_assist.models import ClaimCase
from claims_assist.selectors_check import refusal_list
from claims_assist.services.cases import case_timers
from claims_assist.services.check import initial_check_facts
from claims_assist.services.major import MAJOR_RULE
from claims_assist.services.refusals import REFUSAL_RULE


def _labels(codes: list[str], choices) -> list[str]:
    return [choices(code).label for code in codes if code in choices.values]


def _last_timer(timers: list, rule_code: str):
    matching = [timer for timer in timers if timer.rule.code == rule_code]
    return matching[-1] if matching else None


def panel(*, case, user) -> dict:
    may_write = not user.is_read_only
    pending = case.is_open and case.check_result == ClaimCase.Check.PENDING
    timers = list(case_timers(case=case))
    refusals = list(refusal_list(user=user, case=case))
    return {
        "case": case,
        "may_write": may_write,
        "facts": initial_check_facts(case=case),
        "check_form": CheckForm(case=case) if may_write and pending else None,
        "check_reasons": _labels(case.check_reasons, ClaimCase.CheckReason),
        "refusals": refusals,
        "refusal_timer": _last_timer(timers, REFUSAL_RULE),
        "delivered_form": DeliveredForm() if may_write else None,
        "major_reasons": _labels(case.major_reasons, ClaimCase.MajorReason),
        "major_timer": _last_timer(timers, MAJOR_RULE),
        "reported_form": (
            MajorReportedForm()
            if may_write and case.major and case.head_office_reported_at is None
            else None
        ),
        "flag_form": MajorFlagForm() if may_write else None,
    }
