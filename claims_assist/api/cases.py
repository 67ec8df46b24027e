"""Claims-assist endpoints: cases (filled in by its owner)."""

urlpatterns = []
