"""Staff pages of public notices (PUB-1..PUB-4, PUB-6, PUB-7): the list, the notice page
(lines with full names for staff, postings and their evidence, the PUB-4 period, the
objections), creation from a group policy or a claim payment list, posting, more posting
places, evidence uploads, closing and withdrawal.

Views only read input and call publicity.services.notices; records are looked up in the
user's scope first (404), then writes are checked (read-only roles 403).
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.access import check_can_write, in_scope
from core.forms import add_errors
from core.models import OrgUnit
from core.selectors import org_unit_get
from core.views import time_left
from publicity import selectors
from publicity.models import NOTICE_CHANNELS, Channel, Notice, NoticePosting, Objection
from publicity.services import notices as notice_services
from publicity.services.notices import ClaimPaymentLine
from underwriting.models import MONEY, QUANTITY, Policy
from underwriting.selectors import group_policy_get

PER_PAGE = 50
LINES_PER_PAGE = 100
# PUB-7: a claim payment list typed or pasted on the page; longer lists come from the
# claims app once it exists.
CLAIM_LINES_MAX = 2000
# Tab, comma (ASCII or full-width) or the Chinese enumeration comma separate columns.
COLUMN_SEPARATOR = re.compile(r"\t|,|，|、")


# --- Forms ------------------------------------------------------------------------------
class DateTimeInput(forms.DateTimeInput):
    """The browser's date-time picker reads and sends ISO local times."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _now_to_the_minute():
    return timezone.localtime().replace(second=0, microsecond=0)


def _posting_time(data: dict, notice: Notice) -> dict:
    """The page takes times to the minute: a notice made and put up within the same
    minute is posted at its creation, not refused as posted before it existed."""
    posted_at = data["posted_at"]
    if posted_at < notice.created_at and posted_at > notice.created_at - dt.timedelta(minutes=1):
        return {**data, "posted_at": notice.created_at}
    return data


# Primary keys are bigints: anything larger is not a key (and would overflow the query).
MAX_PK = 2**63 - 1


class UnitFilterMixin(forms.Form):
    """`unit`: a unit of the user's branch and everything below it (the dashboards link
    with it); `outlet` is the name they used before, the same filter."""

    unit = forms.IntegerField(
        label=gettext_lazy("Unit"), min_value=1, max_value=MAX_PK, required=False
    )
    outlet = forms.IntegerField(
        label=gettext_lazy("Outlet"), min_value=1, max_value=MAX_PK, required=False
    )

    def unit_for(self, user) -> OrgUnit | None:
        """The unit asked for, or None; NotInScope (a 404) outside the user's branch.
        Call after is_valid()."""
        pk = self.cleaned_data.get("unit") or self.cleaned_data.get("outlet")
        self.unit_obj = org_unit_get(user=user, pk=pk) if pk else None
        return self.unit_obj


class NoticeFilterForm(UnitFilterMixin):
    q = forms.CharField(label=gettext_lazy("Title or village"), max_length=100, required=False)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[("", gettext_lazy("All kinds")), *Notice.Kind.choices],
        required=False,
    )
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        choices=[("", gettext_lazy("All states")), *Notice.State.choices],
        required=False,
    )
    ended = forms.BooleanField(label=gettext_lazy("Period ended, not closed"), required=False)


class HowToObjectForm(forms.Form):
    """PUB-2: every notice says how to raise an objection."""

    objection_phone = forms.CharField(
        label=gettext_lazy("Phone for objections"),
        max_length=40,
        help_text=gettext_lazy("Printed on the notice, e.g. the outlet's landline."),
    )
    objection_place = forms.CharField(
        label=gettext_lazy("Place for objections"),
        max_length=200,
        help_text=gettext_lazy("Where villagers can come in person."),
    )


class ClaimNoticeForm(HowToObjectForm):
    """PUB-7: a claim payment list entered directly, one payee a line."""

    org_unit = forms.ModelChoiceField(label=gettext_lazy("Outlet"), queryset=OrgUnit.objects.none())
    village = forms.CharField(label=gettext_lazy("Village"), max_length=100)
    product_name = forms.CharField(label=gettext_lazy("Product"), max_length=100)
    season = forms.CharField(
        label=gettext_lazy("Season"), max_length=40, help_text=gettext_lazy("e.g. 2026早稻")
    )
    lines = forms.CharField(
        label=gettext_lazy("Payees"),
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "One payee a line: name, village group, loss, amount in yuan, and optionally "
            "the quantity and its unit, separated by commas or tabs (a sheet's columns can "
            "be pasted). No ID numbers, phones or bank accounts: they are never shown."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        outlets = in_scope(
            OrgUnit.objects.filter(kind=OrgUnit.Kind.OUTLET, is_active=True), user
        ).order_by("path")
        self.fields["org_unit"].queryset = outlets
        if user.org_unit_id and user.org_unit.kind == OrgUnit.Kind.OUTLET:
            self.fields["org_unit"].initial = user.org_unit_id

    def clean_lines(self) -> list[ClaimPaymentLine]:
        lines, problems = [], []
        rows = [row for row in self.cleaned_data["lines"].splitlines() if row.strip()]
        if len(rows) > CLAIM_LINES_MAX:
            raise ValidationError(
                _("At most %(max)s payees in one notice.") % {"max": CLAIM_LINES_MAX},
                code="too_many_lines",
            )
        for number, row in enumerate(rows, start=1):
            try:
                lines.append(_claim_line(row))
            except ValidationError as exc:
                problems.append(
                    _("Line %(number)s: %(problem)s")
                    % {"number": number, "problem": " ".join(exc.messages)}
                )
        if problems:
            raise ValidationError(problems, code="invalid_line")
        return lines


def _decimal(text: str, *, places: int, label: str) -> Decimal:
    try:
        value = Decimal(text.replace("，", "").replace(" ", ""))
    except InvalidOperation:
        raise ValidationError(
            _("%(label)s “%(value)s” is not a number.") % {"label": label, "value": text}
        ) from None
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal(10) ** -places):
        raise ValidationError(
            _("%(label)s must be positive, with at most %(places)s decimals.")
            % {"label": label, "places": places}
        )
    return value


def _claim_line(row: str) -> ClaimPaymentLine:
    """One payee from "name, village group, loss, amount[, quantity[, unit]]"."""
    columns = [column.strip() for column in COLUMN_SEPARATOR.split(row)]
    if not 4 <= len(columns) <= 6:
        raise ValidationError(
            _("expected 4 to 6 columns, found %(count)s.") % {"count": len(columns)}
        )
    name, village_group, loss, amount, *rest = columns
    if not name or len(name) > 100:
        raise ValidationError(_("the name is missing or longer than 100 characters."))
    if len(village_group) > 100 or len(loss) > 100:
        raise ValidationError(_("the village group and the loss take at most 100 characters."))
    if not loss:
        raise ValidationError(_("the loss is missing."))
    quantity = rest[0] if rest else ""
    unit = rest[1] if len(rest) > 1 else ""
    if len(unit) > 10:
        raise ValidationError(_("the unit takes at most 10 characters."))
    amount_places = MONEY["decimal_places"]
    quantity_places = QUANTITY["decimal_places"]
    return ClaimPaymentLine(
        name=name,
        village_group=village_group,
        loss=loss,
        amount=_decimal(amount, places=amount_places, label=_("The amount")),
        quantity=_decimal(quantity, places=quantity_places, label=_("The quantity"))
        if quantity
        else None,
        unit=unit,
    )


class PostingPlaceForm(forms.Form):
    """PUB-3: a conspicuous place in the village where the notice is up."""

    place_kind = forms.ChoiceField(label=gettext_lazy("Place"), choices=NoticePosting.Place.choices)
    place = forms.CharField(
        label=gettext_lazy("Where exactly"),
        max_length=200,
        help_text=gettext_lazy("e.g. 东村村委会公告栏"),
    )
    posted_at = forms.DateTimeField(
        label=gettext_lazy("Posted at"),
        widget=DateTimeInput,
        help_text=gettext_lazy("Beijing time; not in the future."),
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)


class PostForm(PostingPlaceForm):
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Also announced by"),
        choices=[(channel.value, channel.label) for channel in NOTICE_CHANNELS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("PUB-3: channels used beside the posting in the village."),
    )

    field_order = ["place_kind", "place", "posted_at", "channels", "note"]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceFilesField(forms.FileField):
    """Several photos or videos from one input; each is checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,video/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class EvidenceForm(forms.Form):
    files = EvidenceFilesField(
        label=gettext_lazy("Photos or videos"),
        help_text=gettext_lazy(
            "PUB-6: the notice as posted at this place. JPEG, PNG or WebP photos; MP4, "
            "MOV or WebM videos."
        ),
    )
    caption = forms.CharField(label=gettext_lazy("Caption"), max_length=200, required=False)


class CloseForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Closing note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for withdrawal"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


# --- Reads for the pages ----------------------------------------------------------------
def _period(notice: Notice) -> dict:
    """PUB-4: where the notice stands in its period, for the page."""
    now = timezone.now()
    period = {"timer": None, "time_left": None, "may_close": False, "overdue": None}
    if notice.state != Notice.State.POSTED:
        return period
    period["may_close"] = notice.ends_at is not None and notice.ends_at <= now
    if notice.period_timer is not None and not period["may_close"]:
        period["timer"] = notice.period_timer
        period["time_left"] = time_left(notice.period_timer, now)
    if notice.overdue_timer is not None:
        period["overdue"] = time_left(notice.overdue_timer, now)
    return period


def _close_blockers(user, notice: Notice) -> list[str]:
    """What still stands in the way of closing (PUB-1, PUB-4, PUB-5, PUB-6), shown
    before the clerk tries."""
    if notice.state != Notice.State.POSTED or user.is_read_only:
        return []
    try:
        notice_services.check_notice_close(clerk=user, notice=notice)
    except ValidationError as exc:
        return exc.messages
    return []


def _postings_with_evidence(notice: Notice) -> list[NoticePosting]:
    postings = list(selectors.posting_list(notice=notice))
    photos, videos = {}, {}
    for photo in selectors.posting_photos(notice=notice).order_by("uploaded_at", "pk"):
        photos.setdefault(photo.subject_id, []).append(photo)
    for video in selectors.posting_videos(notice=notice).order_by("uploaded_at", "pk"):
        videos.setdefault(video.subject_id, []).append(video)
    for posting in postings:
        posting.photos = photos.get(posting.pk, [])
        posting.videos = videos.get(posting.pk, [])
    return postings


def _objections_with_time_left(objections) -> list[Objection]:
    now = timezone.now()
    objections = list(objections.select_related("timer"))
    for objection in objections:
        timer = objection.timer
        objection.time_left = (
            time_left(timer, now)
            if timer is not None and objection.state == Objection.State.OPEN
            else None
        )
    return objections


def _source_policy(notice: Notice) -> Policy | None:
    source = notice.source
    return source if isinstance(source, Policy) else None


# --- Pages ------------------------------------------------------------------------------
@login_required
@require_GET
def notice_list(request):
    # Invalid values are reported on the page and left out; the valid ones still apply.
    filters = NoticeFilterForm(request.GET)
    filters.is_valid()
    data = filters.cleaned_data
    notices = selectors.notice_list(
        user=request.user,
        kind=data.get("kind") or None,
        state=data.get("state") or None,
        unit=filters.unit_for(request.user),
        ended_not_closed=bool(data.get("ended")),
        query=data.get("q") or "",
    )
    notices = notices.annotate(
        open_objections=Count("objections", filter=Q(objections__state=Objection.State.OPEN))
    ).order_by("-created_at", "-pk")
    page = Paginator(notices, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "publicity/notices/list.html",
        {"page": page, "filters": filters, "now": timezone.now()},
    )


@login_required
@require_GET
def notice_detail(request, pk: int):
    notice = selectors.notice_get(user=request.user, pk=pk)
    lines = Paginator(selectors.notice_lines(notice=notice), LINES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    writable = not request.user.is_read_only
    initial_posting = {"posted_at": _now_to_the_minute()}
    context = {
        "notice": notice,
        "policy": _source_policy(notice),
        "channels": [Channel(value).label for value in notice.channels if value in Channel.values],
        "lines": lines,
        "period": _period(notice),
        "postings": _postings_with_evidence(notice),
        "objections": _objections_with_time_left(
            selectors.objection_list(user=request.user, notice=notice)
        ),
        "documents": selectors.notice_documents(notice=notice)[:5],
        "close_blockers": _close_blockers(request.user, notice),
        "writable": writable,
        "post_form": PostForm(initial={**initial_posting, "channels": notice.channels}),
        "posting_form": PostingPlaceForm(initial=initial_posting, auto_id="posting-%s"),
        "evidence_form": EvidenceForm(),
        "close_form": CloseForm(),
        "withdraw_form": WithdrawForm(),
    }
    return render(request, "publicity/notices/detail.html", context)


@login_required
def notice_create_group(request, pk: int):
    """PUB-1/PUB-2: the draft notice of a listed group policy's household list."""
    policy = group_policy_get(user=request.user, pk=pk)
    check_can_write(request.user, policy)
    form = HowToObjectForm(request.POST or None, initial={"objection_place": policy.org_unit})
    if request.method == "POST" and form.is_valid():
        try:
            notice = notice_services.notice_create_for_group_policy(
                clerk=request.user, policy=policy, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Draft notice created with %(count)s households. Print it and post it next.")
                % {"count": notice.line_count},
            )
            return redirect("publicity:notice_detail", notice.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "publicity/notices/create_group.html",
        {"form": form, "policy": policy},
        status=status,
    )


@login_required
def notice_create_claims(request):
    """PUB-7: a claim payment notice from a list entered on the page."""
    check_can_write(request.user)
    form = ClaimNoticeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            notice = notice_services.notice_create_for_claim_payments(
                clerk=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Draft claim payment notice created with %(count)s payees.")
                % {"count": notice.line_count},
            )
            return redirect("publicity:notice_detail", notice.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "publicity/notices/create_claims.html", {"form": form}, status=status)


@login_required
def notice_post(request, pk: int):
    """PUB-3/PUB-4: the notice is up in the village; its period starts."""
    notice = selectors.notice_get(user=request.user, pk=pk)
    check_can_write(request.user, notice)
    form = PostForm(
        request.POST or None,
        initial={"posted_at": _now_to_the_minute(), "channels": notice.channels},
    )
    if request.method == "POST" and form.is_valid():
        try:
            notice = notice_services.notice_post(
                clerk=request.user, notice=notice, **_posting_time(form.cleaned_data, notice)
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Notice posted. It may close from %(ends)s; add a photo of the posting (PUB-6).")
                % {"ends": timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M")},
            )
            return redirect("publicity:notice_detail", notice.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "publicity/notices/post.html", {"form": form, "notice": notice}, status=status
    )


@login_required
def posting_add(request, pk: int):
    """PUB-3: another place where the posted notice is up."""
    notice = selectors.notice_get(user=request.user, pk=pk)
    check_can_write(request.user, notice)
    form = PostingPlaceForm(request.POST or None, initial={"posted_at": _now_to_the_minute()})
    if request.method == "POST" and form.is_valid():
        try:
            notice_services.posting_add(
                clerk=request.user, notice=notice, **_posting_time(form.cleaned_data, notice)
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Posting place added; add its photo (PUB-6)."))
            return redirect("publicity:notice_detail", notice.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "publicity/notices/posting_form.html",
        {"form": form, "notice": notice},
        status=status,
    )


@login_required
@require_POST
def posting_evidence(request, pk: int):
    """PUB-6: photos or videos of one posting; all of them are kept or none."""
    posting = selectors.posting_get(user=request.user, pk=pk)
    check_can_write(request.user, posting)
    form = EvidenceForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError([error for errors in form.errors.values() for error in errors])
        with transaction.atomic():
            for upload in form.cleaned_data["files"]:
                notice_services.posting_evidence_add(
                    clerk=request.user,
                    posting=posting,
                    upload=upload,
                    caption=form.cleaned_data["caption"],
                )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(count)s files kept as evidence of the posting.")
            % {"count": len(form.cleaned_data["files"])},
        )
    return redirect("publicity:notice_detail", posting.notice_id)


@login_required
@require_POST
def notice_close(request, pk: int):
    """PUB-4/PUB-6/PUB-5: close after the period, with a posting photo and no open
    objection; an underwriting notice then completes PUB-1 for its group policy."""
    notice = selectors.notice_get(user=request.user, pk=pk)
    check_can_write(request.user, notice)
    form = CloseForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([error for errors in form.errors.values() for error in errors])
        notice = notice_services.notice_close(
            clerk=request.user, notice=notice, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Notice closed."))
    return redirect("publicity:notice_detail", notice.pk)


@login_required
@require_POST
def notice_withdraw(request, pk: int):
    notice = selectors.notice_get(user=request.user, pk=pk)
    check_can_write(request.user, notice)
    form = WithdrawForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.get("reason") or _("Enter a reason."))
        notice = notice_services.notice_withdraw(
            clerk=request.user, notice=notice, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Notice withdrawn."))
    return redirect("publicity:notice_detail", notice.pk)


urlpatterns = [
    path("", notice_list, name="notice_list"),
    path("notices/<int:pk>/", notice_detail, name="notice_detail"),
    path("groups/<int:pk>/notice/", notice_create_group, name="notice_create_group"),
    path("notices/claims/new/", notice_create_claims, name="notice_create_claims"),
    path("notices/<int:pk>/post/", notice_post, name="notice_post"),
    path("notices/<int:pk>/postings/new/", posting_add, name="posting_add"),
    path("postings/<int:pk>/evidence/", posting_evidence, name="posting_evidence"),
    path("notices/<int:pk>/close/", notice_close, name="notice_close"),
    path("notices/<int:pk>/withdraw/", notice_withdraw, name="notice_withdraw"),
]
