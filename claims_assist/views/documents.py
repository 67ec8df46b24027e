"""Claims-assist pages: documents (filled in by its owner)."""

urlpatterns = []
