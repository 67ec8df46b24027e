"""Staff pages of objections (PUB-5): the list of the branch's objections, recording one
received by phone or in person, the objection page and its resolution, where an upheld
objection corrects the notice and its source list (through the source's own services,
with audit) and a late one is handled as a policy change.

Views only read input and call publicity.services.objections; records are looked up in
the user's scope first (404), then writes are checked (read-only roles 403).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.access import check_can_write, in_scope
from core.audit import personal_data_logged
from core.forms import DateInput, add_errors
from core.models import PersonalDataAccess
from core.views import time_left
from publicity import selectors
from publicity.models import Notice, NoticeLine, Objection
from publicity.services import objections as objection_services
from publicity.sources import CLAIM_PAYMENT_FIELDS, UNDERWRITING_FIELDS
from publicity.views.notices import DateTimeInput, UnitFilterMixin
from underwriting.models import MONEY, QUANTITY, Policy, PolicyChange

PER_PAGE = 50

# What a resolution may correct on a line, by kind of notice (PUB-5, PUB-7).
CORRECTABLE = {
    Notice.Kind.UNDERWRITING: UNDERWRITING_FIELDS,
    Notice.Kind.CLAIM_PAYMENT: CLAIM_PAYMENT_FIELDS,
}
# A late objection no longer changes the noticed list: it becomes a policy change.
LATE_OUTCOMES = (
    Objection.Outcome.POLICY_CHANGE,
    Objection.Outcome.NO_CHANGE,
    Objection.Outcome.REJECTED,
)


# --- Forms ------------------------------------------------------------------------------
class ObjectionFilterForm(UnitFilterMixin):
    q = forms.CharField(label=gettext_lazy("Notice or raised by"), max_length=100, required=False)
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        choices=[("", gettext_lazy("All states")), *Objection.State.choices],
        required=False,
    )
    late = forms.ChoiceField(
        label=gettext_lazy("Raised"),
        choices=[
            ("", gettext_lazy("Any time")),
            ("0", gettext_lazy("During the notice")),
            ("1", gettext_lazy("Late")),
        ],
        required=False,
    )
    raised_from = forms.DateField(
        label=gettext_lazy("Raised from"), widget=DateInput(), required=False
    )
    raised_to = forms.DateField(label=gettext_lazy("Raised to"), widget=DateInput(), required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("raised_from"), data.get("raised_to")
        if start and end and start > end:
            self.add_error("raised_to", gettext_lazy("The end date is before the start date."))
        return data


class LineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: NoticeLine) -> str:
        return f"{obj.position} · {obj.name} · {obj.village_group}"


class ObjectionRecordForm(forms.Form):
    line = LineChoiceField(
        label=gettext_lazy("Line of the notice"),
        queryset=NoticeLine.objects.none(),
        required=False,
        empty_label=gettext_lazy("None (e.g. a household missing from the list)"),
    )
    raiser_kind = forms.ChoiceField(
        label=gettext_lazy("Raised by"), choices=Objection.Raiser.choices
    )
    raiser_name = forms.CharField(label=gettext_lazy("Name of who raised it"), max_length=100)
    contact_phone = forms.CharField(
        label=gettext_lazy("Contact phone"), max_length=20, required=False
    )
    # Online objections arrive through the public page only.
    channel = forms.ChoiceField(
        label=gettext_lazy("Received"),
        choices=[
            (Objection.Channel.PHONE.value, Objection.Channel.PHONE.label),
            (Objection.Channel.IN_PERSON.value, Objection.Channel.IN_PERSON.label),
        ],
    )
    claim = forms.ChoiceField(
        label=gettext_lazy("What is claimed"), choices=Objection.Claim.choices
    )
    details = forms.CharField(
        label=gettext_lazy("Details"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    raised_at = forms.DateTimeField(
        label=gettext_lazy("Raised at"),
        widget=DateTimeInput,
        required=False,
        help_text=gettext_lazy("Beijing time; empty: now."),
    )

    def __init__(self, *args, notice: Notice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = selectors.notice_lines(notice=notice)
        # A wrong premium is claimed on an underwriting notice, a wrong payment on a
        # claim payment notice (PUB-7).
        self.fields["claim"].choices = [
            (value, label)
            for value, label in Objection.Claim.choices
            if objection_services.CLAIMS_OF_KIND.get(value, notice.kind) == notice.kind
        ]


class ObjectionResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=Objection.Outcome.choices)
    note = forms.CharField(
        label=gettext_lazy("Verification and outcome"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
        help_text=gettext_lazy("Who verified what, and how; required when nothing changes."),
    )
    name = forms.CharField(label=gettext_lazy("Correct name"), max_length=100, required=False)
    village_group = forms.CharField(
        label=gettext_lazy("Correct village / group"), max_length=100, required=False
    )
    subject = forms.CharField(label=gettext_lazy("Correct subject"), max_length=100, required=False)
    quantity = forms.DecimalField(
        label=gettext_lazy("Correct quantity"),
        max_digits=QUANTITY["max_digits"],
        decimal_places=QUANTITY["decimal_places"],
        min_value=0,
        required=False,
    )
    amount = forms.DecimalField(
        label=gettext_lazy("Correct claim payment"),
        max_digits=MONEY["max_digits"],
        decimal_places=MONEY["decimal_places"],
        min_value=0,
        required=False,
    )
    policy_change = forms.ModelChoiceField(
        label=gettext_lazy("Policy change"),
        queryset=PolicyChange.objects.none(),
        required=False,
        help_text=gettext_lazy("The endorsement that handles this late objection."),
    )

    def __init__(self, *args, objection: Objection, user, **kwargs):
        super().__init__(*args, **kwargs)
        notice = objection.notice
        if objection.late:
            self.fields["outcome"].choices = [
                (outcome.value, outcome.label) for outcome in LATE_OUTCOMES
            ]
            for field in ("name", "village_group", "subject", "quantity", "amount"):
                del self.fields[field]
            source = notice.source
            if isinstance(source, Policy):
                self.fields["policy_change"].queryset = in_scope(
                    PolicyChange.objects.filter(policy=source), user
                ).order_by("-requested_at")
            else:
                del self.fields["policy_change"]
            return
        self.fields["outcome"].choices = [
            choice
            for choice in Objection.Outcome.choices
            if choice[0] != Objection.Outcome.POLICY_CHANGE
        ]
        del self.fields["policy_change"]
        correctable = CORRECTABLE[notice.kind]
        for field in ("name", "village_group", "subject", "quantity", "amount"):
            if field not in correctable:
                del self.fields[field]
        line = objection.line
        if line is not None:
            # The current value as a hint: only what the clerk types is a correction.
            for field in correctable:
                value = getattr(line, field)
                if value not in (None, ""):
                    self.fields[field].widget.attrs["placeholder"] = str(value)

    def corrections(self) -> dict:
        """The fields the clerk filled in, as the service's `corrections`."""
        fields = ("name", "village_group", "subject", "quantity", "amount")
        return {
            field: value
            for field in fields
            if field in self.fields and (value := self.cleaned_data.get(field)) not in (None, "")
        }


# --- Reads for the pages ----------------------------------------------------------------
def _field_label(field: str) -> str:
    """The line's own label of a changed field (a removal records other keys)."""
    try:
        return str(NoticeLine._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:
        return field


def _may_see_phone(user, objection: Objection) -> bool:
    """REG-3: the full contact phone only for the notice's own outlet staff."""
    return not user.is_read_only and user.org_unit_id == objection.notice.org_unit_id


# --- Pages ------------------------------------------------------------------------------
@login_required
@require_GET
def objection_list(request):
    # Invalid values are reported on the page and left out; the valid ones still apply.
    filters = ObjectionFilterForm(request.GET)
    filters.is_valid()
    data = filters.cleaned_data
    objections = selectors.objection_list(
        user=request.user,
        state=data.get("state") or None,
        unit=filters.unit_for(request.user),
        late=(data["late"] == "1") if data.get("late") else None,
        raised_from=data.get("raised_from"),
        raised_to=data.get("raised_to"),
        query=data.get("q") or "",
    ).select_related("timer")
    objections = objections.order_by("-raised_at", "-pk")
    page = Paginator(objections, PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    for objection in page.object_list:
        objection.time_left = (
            time_left(objection.timer, now)
            if objection.timer is not None and objection.state == Objection.State.OPEN
            else None
        )
    return render(request, "publicity/objections/list.html", {"page": page, "filters": filters})


@login_required
def objection_record(request, pk: int):
    """PUB-5: an objection received by phone or in person, against one notice."""
    notice = selectors.notice_get(user=request.user, pk=pk)
    check_can_write(request.user, notice)
    form = ObjectionRecordForm(
        request.POST or None,
        notice=notice,
        initial={"channel": Objection.Channel.IN_PERSON, "raiser_kind": Objection.Raiser.HOUSEHOLD},
    )
    if request.method == "POST" and form.is_valid():
        try:
            objection = objection_services.objection_record(
                clerk=request.user, notice=notice, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if objection.late:
                messages.warning(
                    request,
                    _(
                        "Objection recorded as late: the notice period is over, so it is "
                        "handled as a policy change (PUB-5)."
                    ),
                )
            else:
                messages.success(
                    request, _("Objection recorded; verify it before its deadline (PUB-5).")
                )
            return redirect("publicity:objection_detail", objection.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "publicity/objections/record.html",
        {"form": form, "notice": notice},
        status=status,
    )


def _detail_context(request, objection: Objection, form: ObjectionResolveForm | None) -> dict:
    may_see_phone = _may_see_phone(request.user, objection)
    show_phone = may_see_phone and bool(objection.contact_phone) and request.GET.get("full") == "1"
    if show_phone:
        personal_data_logged(
            user=request.user,
            action=PersonalDataAccess.Action.VIEW,
            model=objection,
            object_id=objection.pk,
            fields=("contact_phone",),
            purpose="publicity: objection detail",
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    timer = objection.timer
    return {
        "objection": objection,
        "notice": objection.notice,
        "changes": [
            {"field": _field_label(field), "before": values[0], "after": values[1]}
            for field, values in (objection.change or {}).items()
        ],
        "time_left": time_left(timer, timezone.now())
        if timer is not None and objection.state == Objection.State.OPEN
        else None,
        "may_see_phone": may_see_phone,
        "show_phone": show_phone,
        "form": form,
    }


def _resolve_form(request, objection: Objection, data=None) -> ObjectionResolveForm | None:
    if objection.state != Objection.State.OPEN or request.user.is_read_only:
        return None
    return ObjectionResolveForm(data, objection=objection, user=request.user)


@login_required
@require_GET
def objection_detail(request, pk: int):
    objection = selectors.objection_get(user=request.user, pk=pk)
    context = _detail_context(request, objection, _resolve_form(request, objection))
    return render(request, "publicity/objections/detail.html", context)


@login_required
@require_POST
def objection_resolve(request, pk: int):
    """PUB-5: the verification outcome; an upheld objection corrects the list."""
    objection = selectors.objection_get(user=request.user, pk=pk)
    check_can_write(request.user, objection)
    form = _resolve_form(request, objection, request.POST)
    if form is None:
        messages.error(request, _("This objection is already resolved."))
        return redirect("publicity:objection_detail", objection.pk)
    if form.is_valid():
        try:
            objection = objection_services.objection_resolve(
                clerk=request.user,
                objection=objection,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                corrections=form.corrections() or None,
                policy_change=form.cleaned_data.get("policy_change"),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Objection resolved: %(outcome)s.")
                % {"outcome": objection.get_outcome_display()},
            )
            return redirect("publicity:objection_detail", objection.pk)
    context = _detail_context(request, objection, form)
    return render(request, "publicity/objections/detail.html", context, status=400)


urlpatterns = [
    path("objections/", objection_list, name="objection_list"),
    path("objections/<int:pk>/", objection_detail, name="objection_detail"),
    path("notices/<int:pk>/objections/new/", objection_record, name="objection_record"),
    path("objections/<int:pk>/resolve/", objection_resolve, name="objection_resolve"),
]
