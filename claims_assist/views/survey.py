"""Claims-assist pages: survey (filled in by its owner)."""

urlpatterns = []
