"""Complaint endpoints under /api/v1/; each area keeps its own routes."""

from complaints.api import escalation, handling, intake, reports

urlpatterns = [
    *intake.urlpatterns,
    *handling.urlpatterns,
    *escalation.urlpatterns,
    *reports.urlpatterns,
]
