"""Underwriting endpoints under /api/v1/; each area keeps its own routes."""

from underwriting.api import changes, counter, group, imports, printing

urlpatterns = [
    *counter.urlpatterns,
    *group.urlpatterns,
    *imports.urlpatterns,
    *changes.urlpatterns,
    *printing.urlpatterns,
]
