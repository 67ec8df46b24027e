"""Admin of claims assist, scoped like the pages and the API (OUT-1).

Adjuster authorisations and annual evaluations (CLM-6) are read-only here: they are
granted, revoked and recorded through claims_assist.services.authority, which checks
the limit, the one-year term, the evaluation and the approvals and starts or stops the
expiry warning; the history keeps who changed what and why.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from claims_assist.models import AdjusterAuthorisation, AnnualEvaluation
from core.admin import ReadOnlyAdmin, ScopedHistoryMixin


class ReadOnlyHistoryAdmin(ScopedHistoryMixin, ReadOnlyAdmin, SimpleHistoryAdmin):
    pass


@admin.register(AnnualEvaluation)
class AnnualEvaluationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["staff", "year", "grade", "evaluated_on", "evaluated_by"]
    list_filter = ["year", "grade"]
    list_select_related = ["staff", "evaluated_by"]
    search_fields = ["staff__username", "staff__display_name"]


@admin.register(AdjusterAuthorisation)
class AdjusterAuthorisationAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "holder",
        "lines",
        "case_limit",
        "valid_from",
        "valid_to",
        "one_stop",
        "state",
    ]
    list_filter = ["state", "one_stop"]
    list_select_related = ["holder"]
    search_fields = ["holder__username", "holder__display_name", "province_approval"]
    date_hierarchy = "valid_to"
