"""The case list (CLM-1..CLM-16 at a glance): the cases of the user's branch, filtered by
`claims_assist.filters.CaseFilter` (stage, outlet, major, overdue flags, reported dates,
decision, search), sortable by report time, stage or number, 50 a page.

A page costs the same few queries whatever its size and whichever page it is: the
page's keys are found by a narrow query (no joins but the scope's), then those 50 rows
are read with their outlet, owner, product and case type joined (select_related); the
count behind the pager is bounded and unordered, so a county of 200,000 cases is not
counted and sorted on every page (bench/case_list_bench.py).
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from claims_assist import selectors_cases
from claims_assist.filters import CaseFilter
from core.pagination import COUNT_LIMIT, BoundedPaginator

PER_PAGE = 50


@login_required
@require_GET
def case_list(request):
    """The cases of the user's branch (OUT-1), newest report first unless sorted."""
    filters = CaseFilter(
        request.GET or None,
        queryset=selectors_cases.case_list(user=request.user),
        request=request,
    )
    page = BoundedPaginator(filters.qs, PER_PAGE).get_page(request.GET.get("page"))
    keys = list(page.object_list.values_list("pk", flat=True))
    rows = selectors_cases.case_list(user=request.user).in_bulk(keys)
    page.object_list = [rows[key] for key in keys]
    context = {
        "page": page,
        "filters": filters.form,
        "sort": request.GET.get("sort", ""),
        "can_write": not request.user.is_read_only,
        "count_limit": COUNT_LIMIT,
    }
    return render(request, "claims_assist/case_list/list.html", context)


urlpatterns = [path("cases/", case_list, name="case_list")]
