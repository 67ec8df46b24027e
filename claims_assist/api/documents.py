"""Claims-assist endpoints: documents (filled in by its owner)."""

urlpatterns = []
