"""Counter pages: customers and individual policies (UW-1, UW-5, UW-8, UW-9, UW-11,
OUT-13). The clerk's flow: find or create the customer → quote → explain → pay → issue
→ print.

Views validate the form and call a service; reads go through underwriting.selectors,
so another outlet's record is a 404 and a read-only role gets 403 on every write.
"""

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from core.access import check_can_write
from core.audit import personal_data_logged
from core.forms import DateInput, add_errors
from core.models import PersonalDataAccess
from core.views import time_left
from underwriting import selectors
from underwriting.identity import IdentityError, normalise_identity
from underwriting.models import Customer, Policy, Product
from underwriting.services import customers as customer_services
from underwriting.services import policies as policy_services
from underwriting.views.filters import IndividualFilterForm

PER_PAGE = 50
# What the full customer view reveals and logs (REG-3).
PERSONAL_FIELDS = ("id_number", "phone", "bank_account")


# Forms ----------------------------------------------------------------------------------
class CustomerForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Customer.Kind.choices)
    organisation_type = forms.ChoiceField(
        label=gettext_lazy("Organisation type"),
        choices=[("", "—"), *Customer.OrganisationType.choices],
        required=False,
        help_text=gettext_lazy(
            "Organisations only. Policy-based insurance needs the agricultural type (UW-1)."
        ),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    id_number = forms.CharField(
        label=gettext_lazy("ID number"),
        max_length=40,
        help_text=gettext_lazy(
            "18-digit resident ID, or unified social credit code for organisations. "
            "Full-width digits, spaces and a lower-case x are accepted."
        ),
    )
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20, required=False)
    village_group = forms.CharField(
        label=gettext_lazy("Village / group"), max_length=100, required=False
    )
    address = forms.CharField(label=gettext_lazy("Address"), max_length=200, required=False)
    bank_account = forms.CharField(
        label=gettext_lazy("Bank account"), max_length=40, required=False
    )
    bank_name = forms.CharField(label=gettext_lazy("Bank"), max_length=60, required=False)


class CustomerEditForm(forms.Form):
    organisation_type = CustomerForm.base_fields["organisation_type"]
    name = CustomerForm.base_fields["name"]
    phone = CustomerForm.base_fields["phone"]
    village_group = CustomerForm.base_fields["village_group"]
    address = CustomerForm.base_fields["address"]
    bank_account = CustomerForm.base_fields["bank_account"]
    bank_name = CustomerForm.base_fields["bank_name"]
    reason = forms.CharField(
        label=gettext_lazy("Reason for the change"),
        max_length=200,
        help_text=gettext_lazy("Kept in the customer's change history."),
    )

    def __init__(self, *args, customer: Customer, **kwargs):
        super().__init__(*args, **kwargs)
        if customer.kind != Customer.Kind.ORGANISATION:
            del self.fields["organisation_type"]


class QuoteForm(forms.Form):
    product = forms.ModelChoiceField(
        label=gettext_lazy("Product"), queryset=Product.objects.none(), empty_label="—"
    )
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantity"), max_digits=14, decimal_places=4, min_value=Decimal(0)
    )
    subject = forms.CharField(
        label=gettext_lazy("Subject"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("e.g. the crop, the herd or the vehicle's plate number."),
    )
    application_date = forms.DateField(
        label=gettext_lazy("Application date"),
        widget=DateInput,
        help_text=gettext_lazy("Entry is allowed up to 30 days after it (UW-9)."),
    )
    starts_on = forms.DateField(label=gettext_lazy("Cover starts"), widget=DateInput)
    expected_minutes = forms.IntegerField(
        label=gettext_lazy("Expected time told to the customer (minutes)"),
        min_value=1,
        max_value=10080,
        required=False,
        help_text=gettext_lazy(
            "Non-motor lines (OUT-13). Motor policies run on the 15-minute issuance clock."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = selectors.product_list()
        today = timezone.localdate()
        self.fields["application_date"].initial = today
        self.fields["starts_on"].initial = today + dt.timedelta(days=1)


class ExplainForm(forms.Form):
    liability = forms.BooleanField(label=gettext_lazy("I explained the liability"), required=False)
    exclusions = forms.BooleanField(
        label=gettext_lazy("I explained the exclusions"), required=False
    )
    claim_route = forms.BooleanField(
        label=gettext_lazy("I explained how to report a claim"), required=False
    )


class PaymentForm(forms.Form):
    payment_method = forms.ChoiceField(
        label=gettext_lazy("Payment method"), choices=Policy.PaymentMethod.choices
    )
    payment_reference = forms.CharField(
        label=gettext_lazy("Card / POS reference"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("Required for card and POS payments."),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for the cancellation"), max_length=200)


def _refuse_read_only(user) -> None:
    # The forms of write pages are not even shown to read-only roles.
    check_can_write(user)


def _individual(user, pk) -> Policy:
    policy = selectors.policy_get(user=user, pk=pk)
    if policy.kind != Policy.Kind.INDIVIDUAL:
        raise Http404
    return policy


# Counter home ---------------------------------------------------------------------------
@login_required
@require_GET
def counter(request):
    """Find a customer; the remote policies waiting for payment (UW-11); today's work."""
    query = request.GET.get("q", "").strip()
    found = selectors.customer_list(user=request.user, query=query)[:20] if query else None
    today = timezone.localdate()
    individual = selectors.policy_list(user=request.user, kind=Policy.Kind.INDIVIDUAL)
    context = {
        "query": query,
        "found": found,
        "pending": selectors.pending_remote_policies(user=request.user).filter(
            kind=Policy.Kind.INDIVIDUAL
        ),
        "today_policies": individual.filter(
            Q(entered_at__date=today) | Q(issued_at__date=today)
        ).order_by("-entered_at")[:50],
    }
    return render(request, "underwriting/counter/home.html", context)


# Customers ------------------------------------------------------------------------------
@login_required
@require_GET
def customer_list(request):
    query = request.GET.get("q", "").strip()
    page = Paginator(selectors.customer_list(user=request.user, query=query), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "underwriting/customers/list.html", {"page": page, "query": query})


@login_required
def customer_create(request):
    _refuse_read_only(request.user)
    existing = None
    form = CustomerForm(request.POST or None, initial={"kind": Customer.Kind.FARMER})
    if request.method == "POST" and request.user.org_unit is None:
        form.add_error(None, _("Customers are registered at an outlet."))
    elif request.method == "POST" and form.is_valid():
        try:
            customer = customer_services.customer_create(
                by=request.user, org_unit=request.user.org_unit, **form.cleaned_data
            )
        except ValidationError as exc:
            duplicate = "duplicate_customer" in _codes(exc)
            if duplicate:
                existing = _existing_customer(request.user, form.cleaned_data)
            if isinstance(exc, IdentityError) or duplicate:
                form.add_error("id_number", exc)
            else:
                add_errors(form, exc)
        else:
            messages.success(request, _("Customer %(name)s registered.") % {"name": customer})
            return redirect("underwriting:customer_detail", customer.pk)
    return render(request, "underwriting/customers/form.html", {"form": form, "existing": existing})


def _codes(exc: ValidationError) -> set[str]:
    if hasattr(exc, "error_dict"):
        return {error.code for errors in exc.error_dict.values() for error in errors}
    return {error.code for error in exc.error_list}


def _existing_customer(user, data: dict) -> Customer | None:
    """The customer of the user's outlet that a duplicate ID number belongs to."""
    number = normalise_identity(data["id_number"], kind=data["kind"])
    return selectors.customer_find_by_id_number(org_unit=user.org_unit, id_number=number)


def _may_see_full(user, customer: Customer) -> bool:
    """REG-3: full personal values only for the outlet's own staff."""
    return not user.is_read_only and user.org_unit_id == customer.org_unit_id


@login_required
@require_GET
def customer_detail(request, pk: int):
    customer = selectors.customer_get(user=request.user, pk=pk)
    may_see_full = _may_see_full(request.user, customer)
    show_full = may_see_full and request.GET.get("full") == "1"
    if show_full:
        personal_data_logged(
            user=request.user,
            action=PersonalDataAccess.Action.VIEW,
            model=customer,
            object_id=customer.pk,
            fields=PERSONAL_FIELDS,
            purpose="counter: customer detail",
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    policies = selectors.policy_list(user=request.user, kind=Policy.Kind.INDIVIDUAL).filter(
        insured=customer
    )
    return render(
        request,
        "underwriting/customers/detail.html",
        {
            "customer": customer,
            "may_see_full": may_see_full,
            "show_full": show_full,
            "policies": policies[:50],
        },
    )


@login_required
def customer_edit(request, pk: int):
    customer = selectors.customer_get(user=request.user, pk=pk)
    check_can_write(request.user, customer)
    initial = {field: getattr(customer, field) for field in customer_services.EDITABLE_FIELDS}
    form = CustomerEditForm(request.POST or None, initial=initial, customer=customer)
    if request.method == "GET":
        # The form shows the full values: the outlet's staff opening it is a view (REG-3).
        personal_data_logged(
            user=request.user,
            action=PersonalDataAccess.Action.VIEW,
            model=customer,
            object_id=customer.pk,
            fields=("phone", "bank_account"),
            purpose="counter: customer edit",
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        try:
            customer_services.customer_update(
                by=request.user, customer=customer, reason=reason, **data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The customer's details were changed."))
            return redirect("underwriting:customer_detail", customer.pk)
    return render(request, "underwriting/customers/edit.html", {"form": form, "customer": customer})


# Quotes ---------------------------------------------------------------------------------
@login_required
def quote_create(request, customer_pk: int):
    customer = selectors.customer_get(user=request.user, pk=customer_pk)
    check_can_write(request.user, customer)
    form = QuoteForm(request.POST or None)
    figures = None
    if request.method == "POST" and form.is_valid():
        try:
            policy = policy_services.policy_quote(
                clerk=request.user, insured=customer, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Quote saved. Now explain the terms to the customer."))
            return redirect("underwriting:policy_detail", policy.pk)
    if form.is_bound and not form.errors:
        figures = _figures(request.user, form.cleaned_data)
    return render(
        request,
        "underwriting/counter/quote_form.html",
        {"form": form, "customer": customer, "figures": figures},
    )


def _figures(user, data: dict) -> policy_services.QuoteFigures | None:
    if user.org_unit is None or not data.get("quantity"):
        return None
    return policy_services.quote_figures(
        product=data["product"],
        org_unit=user.org_unit,
        quantity=data["quantity"],
        application_date=data["application_date"],
        starts_on=data.get("starts_on"),
    )


@login_required
@require_GET
@vary_on_headers("HX-Request")
def quote_preview(request):
    """The premium split of the quote form as it stands (an htmx partial)."""
    form = QuoteForm(request.GET)
    figures = _figures(request.user, form.cleaned_data) if form.is_valid() else None
    return render(
        request, "underwriting/counter/_quote_preview.html", {"figures": figures, "form": form}
    )


# Policies -------------------------------------------------------------------------------
@login_required
@require_GET
def policy_list(request):
    filters = IndividualFilterForm(request.GET)
    policies = selectors.policy_list(user=request.user, **filters.filters(user=request.user))
    page = Paginator(policies, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "underwriting/counter/policy_list.html", {"page": page, "filters": filters}
    )


def _policy_page(request, policy: Policy, **forms_by_name) -> dict:
    timer = policy_services.policy_issuance_timer(policy=policy)
    if timer is not None:
        timer.time_left = time_left(timer, timezone.now())
    inspection_needed = policy_services.needs_inspection(policy)
    context = {
        "policy": policy,
        "product": policy.product,
        "exclusions": policy.product.exclusions.all(),
        "timer": timer,
        "is_open": policy.status in policy_services.OPEN_STATUSES,
        "needs_explanation": policy.channel == Policy.Channel.COUNTER,
        "inspection_needed": inspection_needed,
        "inspection_done": inspection_needed
        and policy_services.has_photographed_inspection(policy),
        "can_write": not request.user.is_read_only,
        "explain_form": ExplainForm(),
        "pay_form": PaymentForm(),
        "cancel_form": CancelForm(),
        "history_url": f"/audit/{Policy._meta.label_lower}/{policy.pk}/",
    }
    context.update(forms_by_name)
    return context


@login_required
@require_GET
def policy_detail(request, pk: int):
    policy = _individual(request.user, pk)
    return render(request, "underwriting/counter/policy_detail.html", _policy_page(request, policy))


def _policy_step(request, pk: int, form_class, form_name: str, step) -> object:
    """POST one step of the flow; on a refusal show the page again with the reason."""
    policy = _individual(request.user, pk)
    check_can_write(request.user, policy)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            step(policy, form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return redirect("underwriting:policy_detail", policy.pk)
    policy.refresh_from_db()
    context = _policy_page(request, policy, **{form_name: form})
    return render(request, "underwriting/counter/policy_detail.html", context, status=400)


@login_required
@require_POST
def policy_explain(request, pk: int):
    def step(policy, data):
        policy_services.policy_record_explanation(clerk=request.user, policy=policy, **data)
        messages.success(request, _("The explanation is recorded (UW-8)."))

    return _policy_step(request, pk, ExplainForm, "explain_form", step)


@login_required
@require_POST
def policy_pay(request, pk: int):
    def step(policy, data):
        policy = policy_services.policy_take_payment(
            clerk=request.user,
            policy=policy,
            method=data["payment_method"],
            reference=data["payment_reference"],
        )
        messages.success(
            request,
            _("%(amount)s yuan received from the customer.") % {"amount": policy.farmer_share},
        )

    return _policy_step(request, pk, PaymentForm, "pay_form", step)


class IssueForm(forms.Form):
    """Nothing to enter: the button is the confirmation."""


@login_required
@require_POST
def policy_issue(request, pk: int):
    def step(policy, data):
        policy = policy_services.policy_issue(clerk=request.user, policy=policy)
        messages.success(
            request, _("Policy %(number)s issued. Print it now.") % {"number": policy.number}
        )

    return _policy_step(request, pk, IssueForm, "issue_form", step)


@login_required
@require_POST
def policy_cancel(request, pk: int):
    def step(policy, data):
        policy_services.policy_cancel(clerk=request.user, policy=policy, reason=data["reason"])
        messages.success(request, _("The quote was cancelled."))

    return _policy_step(request, pk, CancelForm, "cancel_form", step)


urlpatterns = [
    path("", counter, name="counter"),
    path("customers/", customer_list, name="customer_list"),
    path("customers/new/", customer_create, name="customer_create"),
    path("customers/<int:pk>/", customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", customer_edit, name="customer_edit"),
    path("customers/<int:customer_pk>/quote/", quote_create, name="quote_create"),
    path("quote/preview/", quote_preview, name="quote_preview"),
    path("policies/", policy_list, name="policy_list"),
    path("policies/<int:pk>/", policy_detail, name="policy_detail"),
    path("policies/<int:pk>/explain/", policy_explain, name="policy_explain"),
    path("policies/<int:pk>/pay/", policy_pay, name="policy_pay"),
    path("policies/<int:pk>/issue/", policy_issue, name="policy_issue"),
    path("policies/<int:pk>/cancel/", policy_cancel, name="policy_cancel"),
]
