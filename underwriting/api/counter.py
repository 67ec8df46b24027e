"""counter API."""

urlpatterns: list = []
