"""Claims-assist pages: timeline (filled in by its owner)."""

urlpatterns = []
