"""The case list's filters, shared by the page and the API (django-filter).

Every filter is written so that PostgreSQL can answer it from the case indexes within the
user's scope: the search `q` matches whole values (case number, policy number, 95518
number, ID number after normalising, the insured's name or its beginning), never a
substring in the middle, and the reported dates become a range of instants in Beijing
time rather than a date cast of each row.
"""

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

import django_filters
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from claims_assist.models import ClaimCase
from core.access import in_scope
from core.forms import DateInput
from core.models import OrgUnit
from underwriting.identity import IdentityError, normalise_identity

BEIJING = ZoneInfo("Asia/Shanghai")
# The flags a breach handler sets on a case (CLM-1, CLM-4, CLM-7, CLM-9).
FLAG_FIELDS = (
    "hotline_overdue_at",
    "major_overdue_at",
    "remote_upload_overdue_at",
    "transfer_overdue_at",
)
# The stages in the order a case goes through them, for sorting by stage.
STAGE_ORDER = {stage: position for position, stage in enumerate(ClaimCase.Stage.values)}


def flagged_q() -> Q:
    """Cases with at least one breach flag set."""
    q = Q()
    for field in FLAG_FIELDS:
        q |= Q(**{f"{field}__isnull": False})
    return q


def _outlets(request):
    """The outlets of the user's branch (OUT-1): a clerk sees only their own."""
    if request is None or not request.user.is_authenticated:
        return OrgUnit.objects.none()
    return in_scope(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.OUTLET, is_active=True), request.user
    ).order_by("code")


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=BEIJING)


class CaseOrdering(django_filters.OrderingFilter):
    """Sort by report time, stage (in the order of the workflow) or case number. Cases
    of one stage stay newest first, and the pk breaks ties, so that pages never repeat
    or skip a case."""

    def filter(self, qs: QuerySet, value):
        if not value:
            return qs
        ordering = []
        for param in value:
            descending = param.startswith("-")
            field = self.param_map.get(param.lstrip("-"))
            if field is None:
                continue
            if field == "stage":
                qs = qs.annotate(
                    stage_position=Case(
                        *(When(stage=stage, then=Value(n)) for stage, n in STAGE_ORDER.items()),
                        output_field=IntegerField(),
                    )
                )
                field = "stage_position"
            ordering.append(f"-{field}" if descending else field)
        if not ordering:
            return qs
        if ordering[-1].lstrip("-") == "stage_position":
            return qs.order_by(*ordering, "-reported_at", "-pk")
        return qs.order_by(*ordering, "-pk" if ordering[-1].startswith("-") else "pk")


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_(
            "The whole case number, policy number, 95518 number, ID number or name of the insured."
        ),
    )
    stage = django_filters.ChoiceFilter(
        label=_("Stage"), choices=ClaimCase.Stage.choices, empty_label=_("All stages")
    )
    outlet = django_filters.ModelChoiceFilter(
        label=_("Outlet"),
        field_name="org_unit",
        queryset=_outlets,
        empty_label=_("All outlets"),
    )
    major = django_filters.BooleanFilter(
        label=_("Major case (CLM-4)"),
        widget=django_filters.widgets.BooleanWidget(),
    )
    flagged = django_filters.BooleanFilter(
        label=_("Flagged overdue"),
        method="filter_flagged",
        widget=django_filters.widgets.BooleanWidget(),
        help_text=_(
            "No 95518 number, major case not reported, remote materials missing or "
            "documents not transferred in time."
        ),
    )
    reported_from = django_filters.DateFilter(
        label=_("Reported from"), method="filter_reported_from", widget=DateInput
    )
    reported_to = django_filters.DateFilter(
        label=_("Reported to"), method="filter_reported_to", widget=DateInput
    )
    decision = django_filters.ChoiceFilter(
        label=_("Decision"), choices=ClaimCase.Decision.choices, empty_label=_("All decisions")
    )
    sort = CaseOrdering(
        label=_("Sort by"),
        fields=(("reported_at", "reported_at"), ("stage", "stage"), ("number", "number")),
        field_labels={
            "reported_at": _("Reported"),
            "stage": _("Stage"),
            "number": _("Case number"),
        },
    )

    class Meta:
        model = ClaimCase
        fields = [
            "q",
            "stage",
            "outlet",
            "major",
            "flagged",
            "reported_from",
            "reported_to",
            "decision",
        ]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = value.strip()
        if not text:
            return queryset
        upper = text.upper()
        q = (
            Q(number__in={text, upper})
            | Q(policy_number__in={text, upper})
            | Q(hotline_number=text)
            | Q(insured_name=text)
        )
        # Not an ID number: the other fields may still match.
        with contextlib.suppress(IdentityError):
            q |= Q(insured_id_number=normalise_identity(text, kind="farmer"))
        return queryset.filter(q)

    def filter_flagged(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(flagged_q()) if value else queryset.exclude(flagged_q())

    def filter_reported_from(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(reported_at__gte=_day_start(value))

    def filter_reported_to(self, queryset: QuerySet, name: str, value: dt.date) -> QuerySet:
        return queryset.filter(reported_at__lt=_day_start(value + dt.timedelta(days=1)))
