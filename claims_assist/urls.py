"""Claims-assist pages; each area of the app keeps its own routes in its views module."""

from claims_assist.views import authority, calculators, self_survey

app_name = "claims_assist"

urlpatterns = [
    *calculators.urlpatterns,
    *self_survey.urlpatterns,
    *authority.urlpatterns,
]
