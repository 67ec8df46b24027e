"""Claims-assist pages: case_list (filled in by its owner)."""

urlpatterns = []
