"""Claims-assist pages: watch_list (filled in by its owner)."""

urlpatterns = []
