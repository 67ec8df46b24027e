"""Pages of the initial check (CLM-3), the written refusals (REG-1 art. 24) and major
cases (CLM-4). The forms are on the case page (its check panel) and post here; each
also renders on its own, with the errors when a post is refused (400). Success goes
back to the case page.

Views read input and call the services; the case or letter is looked up in the user's
scope first (404), writes are then checked (read-only roles 403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from claims_assist.forms_check import CheckForm, DeliveredForm, MajorFlagForm, MajorReportedForm
from claims_assist.selectors_check import refusal_get
from claims_assist.services import check as check_service
from claims_assist.services import major as major_service
from claims_assist.services import refusals as refusal_service
from claims_assist.views.actions import case_url, form_action, form_status, posted, writable_case
from core.access import check_can_write


def _form_page(request, *, form, case, title, intro, submit, facts=None):
    context = {
        "form": form,
        "case": case,
        "title": title,
        "intro": intro,
        "submit": submit,
        "facts": facts,
        "back": major_service.case_link(case.pk),
    }
    return render(request, "claims_assist/check/form.html", context, status=form_status(form))


def _handle(request, *, form, case, action, success, **page):
    """The form's POST through `form_action`, back to the case page; else the form page."""
    response = form_action(request, form, action, success=success, redirect_to=case_url(case.pk))
    if response is not None:
        return response
    return _form_page(request, form=form, case=case, **page)


@login_required
@require_http_methods(["GET", "POST"])
def case_check(request, pk: int):
    """CLM-3: the initial check; a failed check refuses the case in writing."""
    case = writable_case(request, pk)
    form = CheckForm(posted(request), case=case)

    def check(data):
        checked = check_service.case_check_initial(by=request.user, case_pk=case.pk, **data)
        if checked.check_result == checked.Check.PASSED:
            messages.success(request, _("Initial check passed."))
        else:
            messages.warning(
                request,
                _("Initial check failed: the case is refused. Hand the letter over within 3 days."),
            )

    return _handle(
        request,
        form=form,
        case=case,
        action=check,
        success=None,
        title=_("Initial check of case %(number)s") % {"number": case.number},
        intro=_(
            "Inside the policy period, a covered peril, within the claim time limit; "
            "otherwise the case is refused in writing, stating every reason (CLM-3)."
        ),
        submit=_("Record the check"),
        facts=check_service.initial_check_facts(case=case),
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_major_flag(request, pk: int):
    """CLM-4: flag a dispute (regulators, media, litigation)."""
    case = writable_case(request, pk)
    form = MajorFlagForm(posted(request))
    return _handle(
        request,
        form=form,
        case=case,
        action=lambda data: major_service.case_major_flag(by=request.user, case_pk=case.pk, **data),
        success=_("The case is flagged major; report it to the head office."),
        title=_("Flag case %(number)s major") % {"number": case.number},
        intro=_(
            "A dispute taken to regulators, the industry association or the media, or "
            "heading to litigation, makes the case major: report it to the head office "
            "within 24 hours (CLM-4)."
        ),
        submit=_("Flag major"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def case_major_reported(request, pk: int):
    """CLM-4: the major case was reported to the head office."""
    case = writable_case(request, pk)
    form = MajorReportedForm(posted(request))
    return _handle(
        request,
        form=form,
        case=case,
        action=lambda data: major_service.case_major_reported(
            by=request.user, case_pk=case.pk, **data
        ),
        success=_("Head-office report recorded."),
        title=_("Report of major case %(number)s to the head office") % {"number": case.number},
        intro=_("Record the head office's reference for the report (CLM-4)."),
        submit=_("Record the report"),
    )


@login_required
@require_safe
def refusal_pdf(request, pk: int) -> FileResponse:
    """The refusal letter as issued (a read: auditors may open it)."""
    return refusal_response(refusal_get(user=request.user, pk=pk))


def refusal_response(letter) -> FileResponse:
    """A refusal letter's PDF as issued (page and API)."""
    response = FileResponse(
        letter.file.open("rb"),
        content_type="application/pdf",
        filename=f"{letter.case.number}-{letter.kind}.pdf",
    )
    # It carries personal data: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def refusal_delivered(request, pk: int):
    """REG-1 art. 24: the letter was handed to the customer."""
    letter = refusal_get(user=request.user, pk=pk)
    check_can_write(request.user, letter)
    form = DeliveredForm(posted(request))
    return _handle(
        request,
        form=form,
        case=letter.case,
        action=lambda data: refusal_service.refusal_delivered(
            by=request.user, letter_pk=letter.pk, **data
        ),
        success=_("Delivery of the refusal letter recorded."),
        title=_("Delivery of the refusal letter of case %(number)s")
        % {"number": letter.case.number},
        intro=_(
            "A refusal is notified with its reasons within 3 days of the decision "
            "(Insurance Law art. 24)."
        ),
        submit=_("Record the delivery"),
    )


urlpatterns = [
    path("cases/<int:pk>/check/", case_check, name="case_check"),
    path("cases/<int:pk>/major/flag/", case_major_flag, name="case_major_flag"),
    path("cases/<int:pk>/major/reported/", case_major_reported, name="case_major_reported"),
    path("refusals/<int:pk>/pdf/", refusal_pdf, name="refusal_pdf"),
    path("refusals/<int:pk>/delivered/", refusal_delivered, name="refusal_delivered"),
]
