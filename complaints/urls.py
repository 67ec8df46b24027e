"""Complaint pages; each area keeps its own routes in its views module."""

from complaints.views import escalation, handling, intake, reports

app_name = "complaints"

urlpatterns = [
    *intake.urlpatterns,
    *handling.urlpatterns,
    *escalation.urlpatterns,
    *reports.urlpatterns,
]
