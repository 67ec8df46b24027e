"""group pages."""

urlpatterns: list = []
