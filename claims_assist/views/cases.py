"""Claims-assist pages: cases (filled in by its owner)."""

urlpatterns = []
