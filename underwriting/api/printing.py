"""printing API."""

urlpatterns: list = []
