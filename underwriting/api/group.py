"""group API."""

urlpatterns: list = []
