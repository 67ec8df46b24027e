"""counter pages."""

urlpatterns: list = []
