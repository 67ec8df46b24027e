"""Publicity endpoints under /api/v1/; each area keeps its own routes."""

from publicity.api import campaigns, notices, objections, printing, public

urlpatterns = [
    *notices.urlpatterns,
    *objections.urlpatterns,
    *campaigns.urlpatterns,
    *printing.urlpatterns,
    *public.urlpatterns,
]
