"""Underwriting pages; each area of the app keeps its own routes in its views module."""

from underwriting.views import changes, counter, group, imports, printing

app_name = "underwriting"

urlpatterns = [
    *counter.urlpatterns,
    *group.urlpatterns,
    *imports.urlpatterns,
    *changes.urlpatterns,
    *printing.urlpatterns,
]
