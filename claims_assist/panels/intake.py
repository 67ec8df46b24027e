"""The case page's intake panel (CLM-1, CLM-2): the report facts with the insured's ID
masked (REG-3), the reporter, the 95518 report number and its form, the CLM-16 flags,
and the complaints about the case (CLM-12) that the user may see."""

from claims_assist.forms_intake import HotlineForm
from claims_assist.services.cases import case_timer
from claims_assist.services.intake import HOTLINE_RULE, may_write_cases
from complaints.selectors import complaint_list
from core.masking import mask_id_number, mask_phone


def panel(*, case, user, hotline_form: HotlineForm | None = None) -> dict:
    may_write = case.is_open and may_write_cases(user)
    return {
        "case": case,
        "masked_id_number": mask_id_number(case.insured_id_number),
        "masked_phone": mask_phone(case.reporter_phone),
        "fraud_flags": case.fraud_flags or [],
        "hotline_timer": case_timer(case=case, rule_code=HOTLINE_RULE),
        "may_write": may_write,
        "complaints": complaint_list(user=user).filter(claim_case=case),
        # A refused number is shown with its errors even when the case has just closed.
        "hotline_form": hotline_form
        if hotline_form is not None
        else (HotlineForm() if may_write else None),
    }
