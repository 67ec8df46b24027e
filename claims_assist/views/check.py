"""Pages of the initial check (CLM-3), the written refusals (REG-1 art. 24) and major
cases (CLM-4). The forms are on the case page (its check panel) and post here; each
also renders on its own, with the errors when a post is refused (400). Success goes
back to the case page.

Views read input and call the services; the case or letter is looked up in the user's
scope first (404), writes are then checked (read-only roles 403).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from claims_assist.forms_check import CheckForm, DeliveredForm, MajorFlagForm, MajorReportedForm
from claims_assist.selectors_cases import case_get
from claims_assist.selectors_check import refusal_get
from claims_assist.services import check as check_service
from claims_assist.services import major as major_service
from claims_assist.services import refusals as refusal_service
from core.access import check_can_write
from core.forms import add_errors


def posted(request):
    """The posted data, also when empty (an empty post is an invalid form, not a GET)."""
    return request.POST if request.method == "POST" else None


def _form_page(request, *, form, case, title, intro, submit, facts=None):
    status = 400 if form.is_bound and form.errors else 200
    context = {
        "form": form,
        "case": case,
        "title": title,
        "intro": intro,
        "submit": submit,
        "facts": facts,
        "back": major_service.case_link(case.pk),
    }
    return render(request, "claims_assist/check/form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def case_check(request, pk: int):
    """CLM-3: the initial check; a failed check refuses the case in writing."""
    case = case_get(user=request.user, pk=pk)
    check_can_write(request.user, case)
    form = CheckForm(posted(request), case=case)
    if request.method == "POST" and form.is_valid():
        try:
            case = check_service.case_check_initial(
                by=request.user, case_pk=case.pk, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if case.check_result == case.Check.PASSED:
                messages.success(request, _("Initial check passed."))
            else:
                messages.warning(
                    request,
                    _(
                        "Initial check failed: the case is refused. Hand the letter over "
                        "within 3 days."
                    ),
                )
            return redirect(major_service.case_link(case.pk))
    return _form_page(
        request,
        form=form,
        case=case,
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
    case = case_get(user=request.user, pk=pk)
    check_can_write(request.user, case)
    form = MajorFlagForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            major_service.case_major_flag(by=request.user, case_pk=case.pk, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The case is flagged major; report it to the head office."))
            return redirect(major_service.case_link(case.pk))
    return _form_page(
        request,
        form=form,
        case=case,
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
    case = case_get(user=request.user, pk=pk)
    check_can_write(request.user, case)
    form = MajorReportedForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            major_service.case_major_reported(by=request.user, case_pk=case.pk, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Head-office report recorded."))
            return redirect(major_service.case_link(case.pk))
    return _form_page(
        request,
        form=form,
        case=case,
        title=_("Report of major case %(number)s to the head office") % {"number": case.number},
        intro=_("Record the head office's reference for the report (CLM-4)."),
        submit=_("Record the report"),
    )


@login_required
@require_safe
def refusal_pdf(request, pk: int) -> FileResponse:
    """The refusal letter as issued (a read: auditors may open it)."""
    letter = refusal_get(user=request.user, pk=pk)
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
    if request.method == "POST" and form.is_valid():
        try:
            refusal_service.refusal_delivered(
                by=request.user, letter_pk=letter.pk, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Delivery of the refusal letter recorded."))
            return redirect(major_service.case_link(letter.case_id))
    return _form_page(
        request,
        form=form,
        case=letter.case,
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
