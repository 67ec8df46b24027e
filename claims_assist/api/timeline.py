"""Claims-assist endpoints: timeline (filled in by its owner)."""

urlpatterns = []
