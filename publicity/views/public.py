"""The online notice behind the printed QR code (PUB-2, PUB-5): a public page (no login)
for that one notice, names masked as on paper, where a villager can also raise an
objection. Only a posted or closed notice is public, by its unguessable token; both the
page and the objection form are rate-limited per client address (settings
PUBLIC_NOTICE_VIEW_RATE, PUBLIC_OBJECTION_RATE), CSRF-protected and validated.
"""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.decorators import ratelimit

from core.access import NotInScope
from core.forms import add_errors
from publicity.models import Notice, Objection
from publicity.selectors import notice_by_token
from publicity.services.objections import (
    PUBLIC_CLAIMS,
    check_public_objection,
    objection_submit_online,
)
from publicity.services.printing import notice_rows, notice_totals

THANKS_KEY = "publicity:online_objection"
PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,18}[0-9]$")
DETAILS_MAX = 2000


def _view_rate(group, request) -> str:
    # Read at each request, not at import, so that an overridden setting applies.
    return settings.PUBLIC_NOTICE_VIEW_RATE


def _objection_rate(group, request) -> str:
    return settings.PUBLIC_OBJECTION_RATE


def client_address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


# Form ------------------------------------------------------------------------------------
class PublicObjectionForm(forms.Form):
    line_position = forms.TypedChoiceField(
        label=gettext_lazy("Which line is it about"),
        coerce=int,
        required=False,
        empty_value=None,
    )
    claim = forms.ChoiceField(label=gettext_lazy("What is wrong"))
    details = forms.CharField(
        label=gettext_lazy("Details"),
        max_length=DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What is wrong, and what it should be."),
    )
    raiser_name = forms.CharField(label=gettext_lazy("Your name"), max_length=100)
    contact_phone = forms.CharField(
        label=gettext_lazy("Your phone (optional)"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("So that the outlet can tell you the outcome."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    # Against bots: hidden from people (and screen readers); a bot filling every field
    # fills this one too.
    website = forms.CharField(
        label=gettext_lazy("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, notice: Notice, rows: list[tuple], **kwargs):
        super().__init__(*args, **kwargs)
        self.notice = notice
        # A row starts with the line's number, masked name and village group: "3. 欧**花 东村三组".
        self.fields["line_position"].choices = [
            ("", _("Not about one line (e.g. a household missing from the list)")),
            *(
                (position, f"{position}. {name} {group}".strip())
                for position, name, group, *_ in rows
            ),
        ]
        self.fields["claim"].choices = [
            (claim.value, claim.label) for claim in PUBLIC_CLAIMS[notice.kind]
        ]

    def clean_raiser_name(self) -> str:
        name = self.cleaned_data["raiser_name"].strip()
        if not name:
            raise ValidationError(_("Tell us your name."), code="required")
        return name

    def clean_contact_phone(self) -> str:
        phone = self.cleaned_data["contact_phone"].strip()
        if phone and not PHONE.match(phone):
            raise ValidationError(_("Enter a phone number of digits only."), code="phone")
        return phone

    def clean_details(self) -> str:
        details = self.cleaned_data["details"].strip()
        if not details:
            raise ValidationError(_("Tell us what is wrong."), code="required")
        return details

    def clean_website(self) -> str:
        if self.cleaned_data["website"]:
            raise ValidationError(_("Your objection could not be sent. Please try again."))
        return ""

    def clean(self):
        data = super().clean()
        if "claim" in data and "line_position" in data:
            problems = check_public_objection(
                notice=self.notice, claim=data["claim"], line_position=data["line_position"]
            )
            if problems:
                add_errors(self, problems)
        return data


# Pages -----------------------------------------------------------------------------------
def _too_many(request) -> HttpResponse:
    return render(request, "publicity/public/too_many.html", status=429)


def _unknown(request) -> HttpResponse:
    return render(request, "publicity/public/unknown.html", status=404)


def _public_response(response: HttpResponse) -> HttpResponse:
    # The address is unguessable on purpose: keep it out of search engines.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@ratelimit(group="publicity:public_notice", key="ip", rate=_view_rate, block=False)
@ratelimit(
    group="publicity:public_objection", key="ip", rate=_objection_rate, method="POST", block=False
)
@require_http_methods(["GET", "POST"])
def public_notice(request, token: str) -> HttpResponse:
    """PUB-2: the online notice (lines masked, totals, period, how to object); POST files
    an objection (PUB-5) and opens the thank-you page."""
    if getattr(request, "limited", False):
        return _too_many(request)
    try:
        notice = notice_by_token(token=token)
    except NotInScope:
        return _unknown(request)
    rows = notice_rows(notice=notice)
    form = PublicObjectionForm(request.POST or None, notice=notice, rows=rows)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            objection = objection_submit_online(
                notice=notice,
                line_position=data["line_position"],
                raiser_name=data["raiser_name"],
                claim=data["claim"],
                details=data["details"],
                contact_phone=data["contact_phone"],
                ip_address=client_address(request),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            # Through the session, not the URL: the thank-you page shows only the sender
            # what they filed.
            request.session[THANKS_KEY] = objection.pk
            return redirect("publicity:public_objection_thanks", token=notice.token)
    now = timezone.now()
    context = {
        "notice": notice,
        "rows": rows,
        "totals": notice_totals(notice=notice),
        "form": form,
        "period_over": notice.state == Notice.State.CLOSED
        or (notice.ends_at is not None and notice.ends_at <= now),
    }
    status = 400 if form.is_bound and form.errors else 200
    return _public_response(render(request, "publicity/public/notice.html", context, status=status))


@ratelimit(group="publicity:public_notice", key="ip", rate=_view_rate, block=False)
@require_safe
def public_objection_thanks(request, token: str) -> HttpResponse:
    """PUB-5: what the villager filed, and what happens next."""
    if getattr(request, "limited", False):
        return _too_many(request)
    try:
        notice = notice_by_token(token=token)
    except NotInScope:
        return _unknown(request)
    objection = Objection.objects.filter(pk=request.session.get(THANKS_KEY), notice=notice).first()
    if objection is None:
        return redirect("publicity:public_notice", token=notice.token)
    context = {"notice": notice, "objection": objection}
    return _public_response(render(request, "publicity/public/thanks.html", context))


urlpatterns = [
    path("public/<str:token>/", public_notice, name="public_notice"),
    path("public/<str:token>/thanks/", public_objection_thanks, name="public_objection_thanks"),
]
