"""Claims-assist endpoints under /api/v1/; each area keeps its own routes."""

from claims_assist.api import authority, calculators, self_survey

urlpatterns = [
    *calculators.urlpatterns,
    *self_survey.urlpatterns,
    *authority.urlpatterns,
]
