"""Outlet pages; each area of the app keeps its own routes in its views module."""

from outlets.views import compliance, inspections, public, queue, registry, staffing

app_name = "outlets"

urlpatterns = [
    *registry.urlpatterns,
    *inspections.urlpatterns,
    *staffing.urlpatterns,
    *compliance.urlpatterns,
    *queue.urlpatterns,
    *public.urlpatterns,
]
