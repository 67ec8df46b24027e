"""changes API."""

urlpatterns: list = []
