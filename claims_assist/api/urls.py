"""Claims-assist endpoints under /api/v1/; each area keeps its own routes."""

from claims_assist.api import (
    authority,
    calculators,
    cases,
    check,
    documents,
    self_survey,
    status,
    survey,
    timeline,
    watch_list,
)

urlpatterns = [
    *calculators.urlpatterns,
    *self_survey.urlpatterns,
    *authority.urlpatterns,
    *cases.urlpatterns,
    *check.urlpatterns,
    *watch_list.urlpatterns,
    *survey.urlpatterns,
    *documents.urlpatterns,
    *timeline.urlpatterns,
    *status.urlpatterns,
]
