"""Claims-assist endpoints: watch_list (filled in by its owner)."""

urlpatterns = []
