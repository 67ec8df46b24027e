"""Claims-assist endpoints: survey (filled in by its owner)."""

urlpatterns = []
