"""Claims-assist pages; each area of the app keeps its own routes in its views module."""

from claims_assist.views import (
    authority,
    calculators,
    case_list,
    cases,
    check,
    documents,
    self_survey,
    status,
    survey,
    timeline,
    watch_list,
)

app_name = "claims_assist"

urlpatterns = [
    *calculators.urlpatterns,
    *self_survey.urlpatterns,
    *authority.urlpatterns,
    *case_list.urlpatterns,
    *cases.urlpatterns,
    *check.urlpatterns,
    *watch_list.urlpatterns,
    *survey.urlpatterns,
    *documents.urlpatterns,
    *timeline.urlpatterns,
    *status.urlpatterns,
]
