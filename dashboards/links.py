"""Where each figure leads: the existing list pages of the records behind it, filtered
with their own GET parameters (and the period and unit where the list knows them)."""

from urllib.parse import urlencode

from django.urls import reverse

from dashboards.sections.base import Scope


def _url(name: str, params: dict) -> str:
    query = urlencode({key: value for key, value in params.items() if value not in ("", None)})
    return f"{reverse(name)}?{query}" if query else reverse(name)


def timers_url(scope: Scope, *, state: str = "", rule: str = "") -> str:
    """The branch timer list (core.views.branch_timers). It filters by `state`; `rule`
    and `unit` are passed along for when it filters by them too."""
    return _url("branch_timers", {"state": state, "rule": rule, "unit": scope.unit.pk})


def cases_url(scope: Scope, **filters) -> str:
    """The claim case list (claims_assist.filters.CaseFilter) of the period and unit."""
    params = {
        "reported_from": scope.period.start.isoformat(),
        "reported_to": scope.period.end.isoformat(),
        "outlet": scope.unit.pk if scope.is_outlet else "",
    }
    params.update(filters)
    return _url("claims_assist:case_list", params)


def complaints_url(scope: Scope, **filters) -> str:
    """The complaint list (complaints.views.intake.complaint_list: status, topic,
    channel). It has no period or unit filter: the CMP-8 report link has both."""
    return _url("complaints:complaint_list", filters)


def complaint_report_url(scope: Scope, *, unit_pk: int | None = None) -> str:
    """The CMP-8 report of the same unit (or `unit_pk` below it) and period: the same
    cohort as the section."""
    return _url(
        "complaints:report",
        {
            "org_unit": unit_pk or scope.unit.pk,
            "date_from": scope.period.start.isoformat(),
            "date_to": scope.period.end.isoformat(),
        },
    )


def outlet_url(outlet_pk: int, query: str) -> str:
    url = reverse("dashboards:outlet", args=[outlet_pk])
    return f"{url}?{query}" if query else url
