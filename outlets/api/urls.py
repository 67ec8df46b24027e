"""Outlet endpoints under /api/v1/; each area keeps its own routes."""

from outlets.api import inspections, queue, registry, staffing

urlpatterns = [
    *registry.urlpatterns,
    *inspections.urlpatterns,
    *staffing.urlpatterns,
    *queue.urlpatterns,
]
