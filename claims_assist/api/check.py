"""Claims-assist endpoints: check (filled in by its owner)."""

urlpatterns = []
