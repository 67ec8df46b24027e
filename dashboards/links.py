"""Where each figure leads: the existing list pages of the records behind it, filtered
with their own GET parameters to exactly the records the figure counts: the unit's
subtree (`unit`, an org unit pk; the list answers 404 for a unit outside the viewer's
branch) and the period's Beijing dates under the list's own names."""

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
    """The complaint list (complaints.views.intake.complaint_list) of the section's
    cohort: received in the period, handled in the unit's subtree; `filters` add status,
    topic, channel or awaiting_response="1"."""
    params = {
        "unit": scope.unit.pk,
        "received_from": scope.period.start.isoformat(),
        "received_to": scope.period.end.isoformat(),
    }
    params.update(filters)
    return _url("complaints:complaint_list", params)


def policies_url(
    scope: Scope, *, group_only: bool = False, unit_pk: int | None = None, **filters
) -> str:
    """The policies issued in the period in the unit's subtree (or `unit_pk` below it),
    individual and group (the issuance figures count both kinds), on the policy list;
    `group_only`: on the group list. No status: a policy with an issue date is issued
    or, since, surrendered, and the figures count both. `filters` add e.g. product."""
    params = {
        "unit": unit_pk or scope.unit.pk,
        "issued_from": scope.period.start.isoformat(),
        "issued_to": scope.period.end.isoformat(),
        "kind": "" if group_only else "all",
    }
    params.update(filters)
    name = "underwriting:group_list" if group_only else "underwriting:policy_list"
    return _url(name, params)


def group_applied_url(scope: Scope, *, unit_pk: int | None = None, notice: str = "") -> str:
    """The group policies applied for in the period in the unit's subtree, cancelled
    ones left out, optionally by the state of their latest underwriting notice ("none":
    without one), as the notice section counts them."""
    return _url(
        "underwriting:group_list",
        {
            "unit": unit_pk or scope.unit.pk,
            "applied_from": scope.period.start.isoformat(),
            "applied_to": scope.period.end.isoformat(),
            "hide_cancelled": "1",
            "notice": notice,
        },
    )


def notices_url(scope: Scope, *, unit_pk: int | None = None, **filters) -> str:
    """The notice list (publicity:notice_list) of the unit's subtree; `filters` add kind,
    state or ended="1" (posted, period ended, not closed: counted now)."""
    return _url("publicity:notice_list", {"unit": unit_pk or scope.unit.pk, **filters})


def objections_url(scope: Scope, *, in_period: bool = False, **filters) -> str:
    """The objection list (publicity:objection_list) against the notices of the unit's
    subtree, raised in the period when `in_period`; `filters` add state or late."""
    params = {"unit": scope.unit.pk}
    if in_period:
        params["raised_from"] = scope.period.start.isoformat()
        params["raised_to"] = scope.period.end.isoformat()
    params.update(filters)
    return _url("publicity:objection_list", params)


def findings_url(scope: Scope, *, outlet_pk: int | None = None, **filters) -> str:
    """The finding list (outlets:finding_list) of one outlet, else of the unit's
    subtree; `filters` add state, overdue="on"."""
    place = {"outlet": outlet_pk} if outlet_pk else {"unit": scope.unit.pk}
    return _url("outlets:finding_list", {**place, **filters})


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
