"""Claims-assist pages: check (filled in by its owner)."""

urlpatterns = []
