"""Pages of the assisted survey (CLM-5), the assessment under the adjuster's authority
(CLM-6, CLM-15), the remote materials (CLM-7), the referral to the claims centre and
the one-stop settlement (calculation, signature, payment request).

"My assignments" lists the signed-in user's open assignments; an assignment's page has
the report form. The other pages are the forms of the case page's survey panel: each
shows its form on GET and, on POST, calls the service and goes back to the case page;
a refused request shows the form again with the reasons (400), and an assessment beyond
the adjuster's authority offers to refer the case to the city claims centre. Records
are looked up in the user's scope first (404), writes are checked by the services (403
for read-only roles).
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from claims_assist import selectors_survey
from claims_assist.models import Assessment, ClaimCase, SurveyAssignment
from claims_assist.services import assessment as assessment_service
from claims_assist.services import one_stop as one_stop_service
from claims_assist.services import survey as survey_service
from claims_assist.views.actions import case_url, form_action, form_status, writable_case
from core.access import check_can_write
from core.models import User
from core.selectors import evidence_for


# --- Forms --------------------------------------------------------------------------------
class DateTimeInput(forms.DateTimeInput):
    """The browser's date and time picker sends ISO times, whatever the UI language."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos from one input; each is checked by core.evidence when stored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user} · {user.get_role_display()}"


class AssignmentForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=SurveyAssignment.Kind.choices,
        help_text=gettext_lazy("Outlet staff never survey a motor case on site (CLM-5)."),
    )
    assignee = StaffChoiceField(label=gettext_lazy("Assign to"), queryset=User.objects.none())
    instructions = forms.CharField(
        label=gettext_lazy("Instructions"), required=False, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, case: ClaimCase, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(
            is_active=True, org_unit=case.org_unit, role__in=survey_service.ASSIGNABLE_ROLES
        ).order_by("username")


class ReportForm(forms.Form):
    surveyed_at = forms.DateTimeField(label=gettext_lazy("Surveyed at"), widget=DateTimeInput)
    findings = forms.CharField(label=gettext_lazy("Findings"), widget=forms.Textarea({"rows": 4}))
    photos = MultipleImageField(
        label=gettext_lazy("Photos"),
        required=False,
        help_text=gettext_lazy("Original photos from the phone: their time and place are kept."),
    )
    documents_note = forms.CharField(
        label=gettext_lazy("Claim documents collected"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea({"rows": 3}))


class AssessmentForm(forms.Form):
    mode = forms.ChoiceField(label=gettext_lazy("Mode"), choices=Assessment.Mode.choices)
    loss_cause = forms.CharField(label=gettext_lazy("Loss cause"), max_length=200)
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantity"), max_digits=14, decimal_places=4, min_value=0
    )
    unit = forms.CharField(label=gettext_lazy("Unit"), max_length=10)
    amount = forms.DecimalField(
        label=gettext_lazy("Assessed loss (yuan)"), max_digits=14, decimal_places=2, min_value=0
    )
    exclusions = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Exclusions applied"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("The product's exclusions (CLM-15); tick those that applied."),
    )
    exclusion_note = forms.CharField(
        label=gettext_lazy("How the exclusions applied"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )
    remote_session_at = forms.DateTimeField(
        label=gettext_lazy("Remote session at"),
        required=False,
        widget=DateTimeInput,
        help_text=gettext_lazy("Remote assessment: materials are due within 24 hours (CLM-7)."),
    )

    def __init__(self, *args, case: ClaimCase, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exclusions"].queryset = case.product.exclusions.all()


class MaterialsForm(forms.Form):
    photos = MultipleImageField(label=gettext_lazy("Photos and materials"))


class CalculateForm(forms.Form):
    payable = forms.DecimalField(
        label=gettext_lazy("Payable amount (yuan)"), max_digits=14, decimal_places=2, min_value=0
    )
    note = forms.CharField(
        label=gettext_lazy("Calculation"), required=False, widget=forms.Textarea({"rows": 2})
    )


class SignForm(forms.Form):
    signed_by_name = forms.CharField(label=gettext_lazy("Signed by (customer)"), max_length=100)
    photo = forms.FileField(
        label=gettext_lazy("Photo of the signed form"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )


class PaymentRequestForm(forms.Form):
    payee_name = forms.CharField(label=gettext_lazy("Payee"), max_length=100)
    payee_id_number = forms.CharField(label=gettext_lazy("Payee ID number"), max_length=30)
    bank_name = forms.CharField(label=gettext_lazy("Bank"), max_length=60)
    bank_account = forms.CharField(label=gettext_lazy("Bank account"), max_length=40)


# --- Helpers -------------------------------------------------------------------------------
def _form_page(request, *, form, case, title, action, submit, intro="", refer=None):
    context = {
        "form": form,
        "case": case,
        "title": title,
        "intro": intro,
        "action": action,
        "submit": submit,
        "refer": refer,
        "multipart": form.is_multipart(),
    }
    return render(request, "claims_assist/survey/form.html", context, status=form_status(form))


def _referral(form) -> ReasonForm | None:
    """CLM-6: when the service refused as beyond the adjuster's authority (a
    BeyondAuthority, code beyond_authority), the referral to the claims centre with
    its reason filled in."""
    for error in form.errors.as_data().get(NON_FIELD_ERRORS, []):
        if error.code == "beyond_authority":
            return ReasonForm(initial={"reason": error.messages[0]})
    return None


def _handle(request, *, form, case, call, done, **page):
    """The shared flow of the panel's forms (`form_action`): validate, call the service,
    back to the case page; refusals go on the form (400)."""
    response = form_action(request, form, call, success=done, redirect_to=case_url(case.pk))
    if response is not None:
        return response
    return _form_page(request, form=form, case=case, refer=_referral(form), **page)


# --- My assignments (CLM-5) ----------------------------------------------------------------
@login_required
@require_GET
def my_assignments(request):
    context = {"assignments": selectors_survey.my_open_assignments(user=request.user)}
    return render(request, "claims_assist/survey/mine.html", context)


def _assignment_page(request, assignment, *, form=None, status=200):
    may_report = assignment.state == SurveyAssignment.State.OPEN and (
        request.user.pk == assignment.assignee_id
        or (request.user.is_manager and not request.user.is_read_only)
    )
    context = {
        "assignment": assignment,
        "case": assignment.case,
        "photos": evidence_for(user=request.user, subject=assignment),
        "form": (form or ReportForm()) if may_report else None,
        "may_cancel": assignment.state == SurveyAssignment.State.OPEN
        and survey_service.may_assign(request.user),
    }
    return render(request, "claims_assist/survey/assignment.html", context, status=status)


@login_required
@require_GET
def assignment_detail(request, pk: int):
    assignment = selectors_survey.assignment_get(user=request.user, pk=pk)
    return _assignment_page(request, assignment)


@login_required
def assignment_create(request, pk: int):
    case = writable_case(request, pk)
    if not survey_service.may_assign(request.user):
        raise PermissionDenied(
            _("Only the city claims centre or a county manager assigns surveys (CLM-5).")
        )
    form = AssignmentForm(request.POST or None, case=case)
    return _handle(
        request,
        form=form,
        case=case,
        call=lambda data: survey_service.assignment_create(
            by=request.user, case_pk=case.pk, **data
        ),
        done=_("Survey assigned."),
        title=_("Assign a survey of case %(number)s") % {"number": case.number},
        intro=_("On-site survey or assistance by the outlet's staff (CLM-5)."),
        action=reverse("claims_assist:assignment_create", args=[case.pk]),
        submit=_("Assign"),
    )


@login_required
def assignment_report(request, pk: int):
    assignment = selectors_survey.assignment_get(user=request.user, pk=pk)
    check_can_write(request.user, assignment)
    if request.method != "POST":
        return redirect("claims_assist:assignment_detail", assignment.pk)
    form = ReportForm(request.POST, request.FILES)
    response = form_action(
        request,
        form,
        lambda data: survey_service.assignment_report(
            by=request.user, assignment_pk=assignment.pk, **data
        ),
        success=_("Survey reported."),
        redirect_to=case_url(assignment.case_id),
    )
    if response is not None:
        return response
    return _assignment_page(request, assignment, form=form, status=400)


@login_required
def assignment_cancel(request, pk: int):
    assignment = selectors_survey.assignment_get(user=request.user, pk=pk)
    check_can_write(request.user, assignment)
    form = ReasonForm(request.POST or None)
    return _handle(
        request,
        form=form,
        case=assignment.case,
        call=lambda data: survey_service.assignment_cancel(
            by=request.user, assignment_pk=assignment.pk, reason=data["reason"]
        ),
        done=_("Assignment cancelled."),
        title=_("Cancel the assignment of %(assignee)s") % {"assignee": assignment.assignee},
        action=reverse("claims_assist:assignment_cancel", args=[assignment.pk]),
        submit=_("Cancel the assignment"),
    )


# --- Assessment (CLM-6, CLM-7, CLM-15) -----------------------------------------------------
@login_required
def assessment_create(request, pk: int):
    case = writable_case(request, pk)
    form = AssessmentForm(request.POST or None, case=case)

    def call(data):
        exclusions = data.pop("exclusions")
        assessment_service.assessment_record(
            by=request.user,
            case_pk=case.pk,
            exclusion_ids=[exclusion.pk for exclusion in exclusions],
            **data,
        )

    return _handle(
        request,
        form=form,
        case=case,
        call=call,
        done=_("Assessment recorded."),
        title=_("Assess case %(number)s") % {"number": case.number},
        intro=_(
            "Small agricultural cases within your valid authority (CLM-6); beyond it, refer "
            "the case to the city claims centre."
        ),
        action=reverse("claims_assist:assessment_create", args=[case.pk]),
        submit=_("Record the assessment"),
    )


@login_required
def materials_upload(request, pk: int):
    assessment = selectors_survey.assessment_get(user=request.user, pk=pk)
    check_can_write(request.user, assessment)
    form = MaterialsForm(request.POST or None, request.FILES or None)
    return _handle(
        request,
        form=form,
        case=assessment.case,
        call=lambda data: assessment_service.assessment_materials_upload(
            by=request.user, assessment_pk=assessment.pk, photos=data["photos"]
        ),
        done=_("Remote assessment materials uploaded."),
        title=_("Remote assessment materials of case %(number)s")
        % {"number": assessment.case.number},
        intro=_("Due within 24 hours of the remote session (CLM-7)."),
        action=reverse("claims_assist:materials_upload", args=[assessment.pk]),
        submit=_("Upload"),
    )


@login_required
def case_refer(request, pk: int):
    case = writable_case(request, pk)
    form = ReasonForm(request.POST or None)
    return _handle(
        request,
        form=form,
        case=case,
        call=lambda data: assessment_service.case_refer(
            by=request.user, case_pk=case.pk, reason=data["reason"]
        ),
        done=_("Case referred to the city claims centre."),
        title=_("Refer case %(number)s to the city claims centre") % {"number": case.number},
        intro=_("Beyond the adjuster's authority (CLM-6), the claims centre assesses the case."),
        action=reverse("claims_assist:case_refer", args=[case.pk]),
        submit=_("Refer"),
    )


# --- One-stop settlement (CLM-6) -------------------------------------------------------------
@login_required
def one_stop_calculate(request, pk: int):
    assessment = selectors_survey.assessment_get(user=request.user, pk=pk)
    check_can_write(request.user, assessment)
    initial = {"payable": assessment.calculated_amount or assessment.amount}
    form = CalculateForm(request.POST or None, initial=initial)
    return _handle(
        request,
        form=form,
        case=assessment.case,
        call=lambda data: one_stop_service.one_stop_calculate(
            by=request.user, assessment_pk=assessment.pk, **data
        ),
        done=_("Payable amount calculated."),
        title=_("Calculate the payable amount of case %(number)s")
        % {"number": assessment.case.number},
        intro=_("At most the assessed loss of %(amount)s yuan.") % {"amount": assessment.amount},
        action=reverse("claims_assist:one_stop_calculate", args=[assessment.pk]),
        submit=_("Calculate"),
    )


@login_required
def one_stop_sign(request, pk: int):
    assessment = selectors_survey.assessment_get(user=request.user, pk=pk)
    check_can_write(request.user, assessment)
    form = SignForm(request.POST or None, request.FILES or None)
    return _handle(
        request,
        form=form,
        case=assessment.case,
        call=lambda data: one_stop_service.one_stop_sign(
            by=request.user, assessment_pk=assessment.pk, **data
        ),
        done=_("Customer signature recorded."),
        title=_("Customer signature of case %(number)s") % {"number": assessment.case.number},
        intro=_("The customer signs the settlement of %(amount)s yuan.")
        % {"amount": assessment.calculated_amount},
        action=reverse("claims_assist:one_stop_sign", args=[assessment.pk]),
        submit=_("Record the signature"),
    )


@login_required
def one_stop_payment_request(request, pk: int):
    case = writable_case(request, pk)
    initial = {"payee_name": case.insured_name, "payee_id_number": case.insured_id_number}
    form = PaymentRequestForm(request.POST or None, initial=initial)
    return _handle(
        request,
        form=form,
        case=case,
        call=lambda data: one_stop_service.one_stop_request_payment(
            by=request.user, case_pk=case.pk, **data
        ),
        done=_("Payment requested."),
        title=_("Request payment of case %(number)s") % {"number": case.number},
        intro=_("The last step of the one-stop settlement (CLM-6)."),
        action=reverse("claims_assist:one_stop_payment_request", args=[case.pk]),
        submit=_("Request payment"),
    )


urlpatterns = [
    path("assignments/", my_assignments, name="my_assignments"),
    path("assignments/<int:pk>/", assignment_detail, name="assignment_detail"),
    path("assignments/<int:pk>/report/", assignment_report, name="assignment_report"),
    path("assignments/<int:pk>/cancel/", assignment_cancel, name="assignment_cancel"),
    path("cases/<int:pk>/assignments/", assignment_create, name="assignment_create"),
    path("cases/<int:pk>/assessments/", assessment_create, name="assessment_create"),
    path("cases/<int:pk>/refer/", case_refer, name="case_refer"),
    path(
        "cases/<int:pk>/one-stop/payment-request/",
        one_stop_payment_request,
        name="one_stop_payment_request",
    ),
    path("assessments/<int:pk>/materials/", materials_upload, name="materials_upload"),
    path("assessments/<int:pk>/calculate/", one_stop_calculate, name="one_stop_calculate"),
    path("assessments/<int:pk>/sign/", one_stop_sign, name="one_stop_sign"),
]
