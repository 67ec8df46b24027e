"""Pages of the adjuster authorities (CLM-6): "My authority" for claims-assist staff,
the managers' list of the authorisations of their branch (ends within 30 days
highlighted), an authorisation's page, the grant, revoke and evaluation forms, and the
counter's authority check ("may X assess a crop case of 1,800 yuan?").

Views read input and call claims_assist.services.authority; records are looked up in
the user's scope first (404), then writes are checked (read-only roles and staff other
than managers 403). The check is a read: every role may use it, auditors too.
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from claims_assist import selectors
from claims_assist.models import AUTHORITY_CEILING, AnnualEvaluation, AuthorityLine
from claims_assist.services import authority as authority_service
from core.access import ReadOnlyRole
from core.forms import DateInput, add_errors

PER_PAGE = 50


# --- Forms --------------------------------------------------------------------------------
class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user} · {user.org_unit}"


class GrantForm(forms.Form):
    holder = StaffChoiceField(label=gettext_lazy("Holder"), queryset=None)
    lines = forms.MultipleChoiceField(
        label=gettext_lazy("Lines"),
        choices=AuthorityLine.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    case_limit = forms.DecimalField(
        label=gettext_lazy("Limit per case (yuan)"),
        max_digits=14,
        decimal_places=2,
        initial=AUTHORITY_CEILING,
        help_text=gettext_lazy("At most 2,000 yuan per case (CLM-6)."),
    )
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), widget=DateInput)
    valid_to = forms.DateField(
        label=gettext_lazy("Valid to"),
        widget=DateInput,
        help_text=gettext_lazy("At most one year: from 1 March to 28 February (CLM-6)."),
    )
    evaluation = forms.ModelChoiceField(
        label=gettext_lazy("Annual evaluation it rests on"), queryset=None
    )
    one_stop = forms.BooleanField(
        label=gettext_lazy("One-stop service (survey, assessment and calculation)"),
        required=False,
    )
    city_approved_by = StaffChoiceField(
        label=gettext_lazy("Approved by the city claims centre"), queryset=None, required=False
    )
    city_approved_on = forms.DateField(
        label=gettext_lazy("City approval date"), widget=DateInput, required=False
    )
    province_approval = forms.CharField(
        label=gettext_lazy("Province claims division approval (document no.)"),
        max_length=60,
        required=False,
    )
    province_approved_on = forms.DateField(
        label=gettext_lazy("Province approval date"), widget=DateInput, required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = selectors.claims_assist_staff(user=user)
        self.fields["evaluation"].queryset = selectors.evaluation_list(user=user).exclude(
            grade=AnnualEvaluation.Grade.FAIL
        )
        self.fields["city_approved_by"].queryset = selectors.city_claims_centre_staff(user=user)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why the authority is revoked"), widget=forms.Textarea({"rows": 3})
    )


class EvaluationForm(forms.Form):
    staff = StaffChoiceField(label=gettext_lazy("Staff member"), queryset=None)
    year = forms.IntegerField(label=gettext_lazy("Year evaluated"), min_value=2000, max_value=2100)
    grade = forms.ChoiceField(label=gettext_lazy("Grade"), choices=AnnualEvaluation.Grade.choices)
    evaluated_on = forms.DateField(label=gettext_lazy("Evaluated on"), widget=DateInput)
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = selectors.claims_assist_staff(user=user)


class CheckForm(forms.Form):
    holder = StaffChoiceField(label=gettext_lazy("Adjuster"), queryset=None)
    line = forms.ChoiceField(label=gettext_lazy("Line"), choices=AuthorityLine.choices)
    amount = forms.DecimalField(
        label=gettext_lazy("Amount of the case (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
    )
    one_stop = forms.BooleanField(label=gettext_lazy("One-stop service"), required=False)
    on = forms.DateField(
        label=gettext_lazy("On"),
        widget=DateInput,
        required=False,
        help_text=gettext_lazy("Leave empty for now."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = selectors.claims_assist_staff(user=user)


# --- Helpers -------------------------------------------------------------------------------
def _check_manager(user) -> None:
    """The forms are for managers: 403 for read-only roles and the others."""
    if user.is_read_only:
        raise ReadOnlyRole(_("Your role is read-only."))
    if not authority_service.may_manage_authorities(user):
        raise PermissionDenied(
            _("Only a county manager or the city claims centre evaluates and authorises (CLM-6).")
        )


def _labelled(authorisations):
    """The lines of each authorisation as their labels, for the templates."""
    authorisations = list(authorisations)
    for authorisation in authorisations:
        authorisation.line_labels = [
            AuthorityLine(line).label
            for line in authorisation.lines
            if line in AuthorityLine.values
        ]
    return authorisations


def _form_page(request, *, form, title, intro="", submit, back, status=None):
    status = status or (400 if form.is_bound and form.errors else 200)
    context = {"form": form, "title": title, "intro": intro, "submit": submit, "back": back}
    return render(request, "claims_assist/authority/form.html", context, status=status)


# --- Pages ---------------------------------------------------------------------------------
@login_required
@require_GET
def authority_mine(request):
    """CLM-6: what the signed-in adjuster may assess today, until when, one-stop or not."""
    today = timezone.localdate()
    authorisations = _labelled(
        selectors.authorisation_list(user=request.user, holder=request.user).order_by(
            "-valid_to", "pk"
        )
    )
    for authorisation in authorisations:
        authorisation.expires_soon = selectors.expires_soon(authorisation, today=today)
    context = {
        "current": _labelled(selectors.authorities_of(holder=request.user, on=today)),
        "authorisations": authorisations,
        "evaluations": selectors.evaluation_list(user=request.user, staff=request.user),
        "today": today,
    }
    return render(request, "claims_assist/authority/mine.html", context)


@login_required
@require_GET
def authority_list(request):
    """The authorisations of the user's branch, the ones ending soon highlighted."""
    today = timezone.localdate()
    current_only = request.GET.get("current") == "1"
    queryset = selectors.authorisation_list(
        user=request.user, valid_on=today if current_only else None
    )
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _labelled(page.object_list)
    for authorisation in page.object_list:
        authorisation.expires_soon = selectors.expires_soon(authorisation, today=today)
    context = {
        "page": page,
        "current_only": current_only,
        "today": today,
        "evaluations": selectors.evaluation_list(user=request.user)[:20],
        "may_manage": authority_service.may_manage_authorities(request.user),
    }
    return render(request, "claims_assist/authority/list.html", context)


@login_required
@require_GET
def authority_detail(request, pk: int):
    authorisation = selectors.authorisation_get(user=request.user, pk=pk)
    _labelled([authorisation])
    context = {
        "authorisation": authorisation,
        "expires_soon": selectors.expires_soon(authorisation),
        "may_manage": authority_service.may_manage_authorities(request.user),
        "history": authorisation.history.select_related("history_user").order_by("-history_date"),
    }
    return render(request, "claims_assist/authority/detail.html", context)


@login_required
def authority_grant(request):
    _check_manager(request.user)
    initial = {"case_limit": AUTHORITY_CEILING, "valid_from": timezone.localdate()}
    if request.GET.get("holder"):
        initial["holder"] = request.GET["holder"]
    form = GrantForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            authorisation = authority_service.authorisation_grant(
                by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Authority granted."))
            return redirect("claims_assist:authority_detail", authorisation.pk)
    return _form_page(
        request,
        form=form,
        title=_("Grant an adjuster authority"),
        intro=_(
            "Small agricultural cases up to 2,000 yuan per case, for at most one year, on "
            "the holder's annual evaluation. One-stop service needs the approvals of the "
            "city claims centre and the province claims division and a good evaluation "
            "(CLM-6)."
        ),
        submit=_("Grant"),
        back="claims_assist:authority_list",
    )


@login_required
def authority_revoke(request, pk: int):
    authorisation = selectors.authorisation_get(user=request.user, pk=pk)
    _check_manager(request.user)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            authority_service.authorisation_revoke(
                by=request.user, authorisation=authorisation, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Authority revoked."))
            return redirect("claims_assist:authority_detail", authorisation.pk)
    return _form_page(
        request,
        form=form,
        title=_("Revoke the authority of %(holder)s") % {"holder": authorisation.holder},
        intro=str(authorisation),
        submit=_("Revoke"),
        back="claims_assist:authority_list",
    )


@login_required
def evaluation_create(request):
    _check_manager(request.user)
    today = timezone.localdate()
    initial = {"year": today.year - 1, "evaluated_on": today}
    if request.GET.get("staff"):
        initial["staff"] = request.GET["staff"]
    form = EvaluationForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            authority_service.evaluation_record(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Evaluation recorded."))
            return redirect("claims_assist:authority_list")
    return _form_page(
        request,
        form=form,
        title=_("Annual evaluation"),
        intro=_(
            "Once a year for each claims-assist staff member; an authority is renewed "
            "after it, and one-stop service needs a good or excellent grade (CLM-6)."
        ),
        submit=_("Record"),
        back="claims_assist:authority_list",
    )


@login_required
@require_GET
def authority_check(request):
    """CLM-6 at the counter: may this adjuster assess this case? A read; nothing stored."""
    form = CheckForm(request.GET or None, user=request.user)
    used = refusal = None
    if form.is_valid():
        data = form.cleaned_data
        # A day asked about is checked at its noon, Beijing time.
        at = (
            dt.datetime.combine(data["on"], dt.time(12), tzinfo=authority_service.BEIJING)
            if data["on"]
            else None
        )
        try:
            used = authority_service.check_authority(
                holder=data["holder"],
                line=data["line"],
                amount=data["amount"],
                one_stop=data["one_stop"],
                at=at,
            )
        except authority_service.BeyondAuthority as exc:
            refusal = exc
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "used": used, "refusal": refusal}
    return render(request, "claims_assist/authority/check.html", context, status=status)


urlpatterns = [
    path("authority/", authority_mine, name="authority_mine"),
    path("authority/all/", authority_list, name="authority_list"),
    path("authority/<int:pk>/", authority_detail, name="authority_detail"),
    path("authority/grant/", authority_grant, name="authority_grant"),
    path("authority/<int:pk>/revoke/", authority_revoke, name="authority_revoke"),
    path("authority/evaluations/new/", evaluation_create, name="evaluation_create"),
    path("authority/check/", authority_check, name="authority_check"),
]
