"""Claims-assist endpoints: status (filled in by its owner)."""

urlpatterns = []
