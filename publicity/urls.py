"""Publicity pages; each area of the app keeps its own routes in its views module."""

from publicity.views import campaigns, notices, objections, printing, public

app_name = "publicity"

urlpatterns = [
    *notices.urlpatterns,
    *objections.urlpatterns,
    *campaigns.urlpatterns,
    *printing.urlpatterns,
    *public.urlpatterns,
]
