"""Claims-assist pages: status (filled in by its owner)."""

urlpatterns = []
