"""Written refusals (CLM-3, REG-1 art. 24).

A refusal — at the initial check (不予受理) or by the claims decision (拒赔) — is a
one-page letter stating its reasons, rendered at once and kept as issued. Insurance
Law art. 24 wants the refusal notified with its reasons within 3 days of the decision:
the REG-1-refusal timer runs from the decision until the letter is handed over
(`refusal_delivered`); its breach tells the outlet head and the county manager
(claims_assist.handlers_major).
"""

import datetime as dt

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from claims_assist.models import ClaimCase, RefusalLetter
from claims_assist.services.cases import case_lock, case_timer_meet, case_timer_start
from core.access import check_can_write, get_in_scope
from core.masking import mask_id_number
from core.models import User
from core.pdf import render_pdf

# REG-1 art. 24: the refusal is notified with reasons within 3 days of the decision.
REFUSAL_RULE = "REG-1-refusal"
REFUSAL_TEMPLATE = "pdf/claims_assist/refusal.html"
# Letters are Chinese filing documents whatever the language of the screen.
PRINT_LANGUAGE = "zh-hans"
# The national claims hotline the customer may call to ask again or complain.
HOTLINE = "95518"
DELIVERY_NOTE_MAX = RefusalLetter._meta.get_field("delivery_note").max_length


def _outlet_address(case: ClaimCase) -> str:
    try:
        profile = case.org_unit.profile
    except ObjectDoesNotExist:
        return ""
    return profile.address


def refusal_title(kind: str) -> str:
    """The letter's title by kind, in the current language."""
    if kind == RefusalLetter.Kind.INITIAL_CHECK:
        return _("Notice of non-acceptance of a claim")
    return _("Notice of claim refusal")


def refusal_context(*, case: ClaimCase, kind: str, reasons: str, at: dt.datetime) -> dict:
    """What the letter prints; call inside the print language. The insured's ID number
    is masked (REG-3)."""
    local = timezone.localtime(at)
    return {
        "title": refusal_title(kind),
        "kind": kind,
        "case": case,
        "outlet": case.org_unit.name,
        "outlet_address": _outlet_address(case),
        "hotline": HOTLINE,
        "insured_id": mask_id_number(case.insured_id_number) if case.insured_id_number else "",
        "incident_at": timezone.localtime(case.incident_at),
        "reasons": [line for line in reasons.splitlines() if line.strip()],
        "issued_on": local.date(),
    }


def refusal_render(*, case: ClaimCase, kind: str, reasons: str, at: dt.datetime) -> bytes:
    """The letter's PDF (A4, Chinese)."""
    with translation.override(PRINT_LANGUAGE):
        context = refusal_context(case=case, kind=kind, reasons=reasons, at=at)
        return render_pdf(template_name=REFUSAL_TEMPLATE, context=context)


def refusal_issue(
    *, by: User, case: ClaimCase, kind: str, reasons: str, at: dt.datetime | None = None
) -> RefusalLetter:
    """Issue the written refusal of the locked case stating `reasons`: the PDF is
    rendered and kept as issued, and REG-1's 3-day notice timer runs until the letter
    is handed over (`refusal_delivered`).

    The case must be REFUSED already: that final stage ends the case's open timers, so
    the REG-1-refusal timer is started here, after it. The caller holds the case row
    locked (case_lock) inside its transaction.
    """
    check_can_write(by, case)
    if kind not in RefusalLetter.Kind.values:
        raise ValidationError(
            {"kind": ValidationError(_("Unknown kind of refusal."), code="invalid")}
        )
    if not reasons.strip():
        raise ValidationError(
            {
                "reasons": ValidationError(
                    _("A refusal states its reasons (REG-1 art. 24)."), code="required"
                )
            }
        )
    if case.stage != ClaimCase.Stage.REFUSED:
        raise ValidationError(
            _("Only a refused case gets a refusal letter; the case is %(stage)s.")
            % {"stage": case.get_stage_display()},
            code="not_refused",
        )
    at = at or timezone.now()
    pdf = refusal_render(case=case, kind=kind, reasons=reasons, at=at)
    letter = RefusalLetter(
        case=case, kind=kind, reasons=reasons.strip(), issued_by=by, issued_at=at
    )
    letter.file.save(f"{case.number}-{kind}.pdf", ContentFile(pdf), save=False)
    letter.save()
    case_timer_start(case=case, rule_code=REFUSAL_RULE, by=by, at=at)
    return letter


def refusal_delivered(
    *, by: User, letter_pk: int, at: dt.datetime | None = None, note: str = ""
) -> RefusalLetter:
    """Record that the letter was handed to the customer (REG-1 art. 24): the case is
    marked notified and its REG-1-refusal timer met. Locks the case row, then the
    letter's. Refused: a letter delivered already, a time before it was issued or in
    the future."""
    now = timezone.now()
    at = at or now
    with transaction.atomic():
        letter = get_in_scope(RefusalLetter.objects.all(), by, pk=letter_pk)
        case = case_lock(user=by, pk=letter.case_id)
        letter = RefusalLetter.objects.select_for_update().get(pk=letter.pk)
        if letter.delivered_at is not None:
            raise ValidationError(
                _("The letter was delivered on %(at)s already.")
                % {"at": timezone.localtime(letter.delivered_at).strftime("%Y-%m-%d %H:%M")},
                code="already_delivered",
            )
        if at < letter.issued_at:
            raise ValidationError(
                {
                    "at": ValidationError(
                        _("A letter is delivered after it was issued; check the time."),
                        code="before_issue",
                    )
                }
            )
        if at > now:
            raise ValidationError(
                {
                    "at": ValidationError(
                        _("The delivery time is in the future; check the time."), code="future"
                    )
                }
            )
        if len(note.strip()) > DELIVERY_NOTE_MAX:
            raise ValidationError(
                {
                    "note": ValidationError(
                        _("Say how it was delivered in at most %(n)s characters.")
                        % {"n": DELIVERY_NOTE_MAX},
                        code="too_long",
                    )
                }
            )
        letter.delivered_at = at
        letter.delivery_note = note.strip()
        letter.save(update_fields=["delivered_at", "delivery_note"])
        if case.refusal_notified_at is None:
            case.refusal_notified_at = at
            case._history_user = by
            case.save(update_fields=["refusal_notified_at"])
        case_timer_meet(
            case=case, rule_code=REFUSAL_RULE, by=by, detail=_("Refusal letter delivered")
        )
    letter.case = case
    return letter
