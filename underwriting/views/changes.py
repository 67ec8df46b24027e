"""changes pages."""

urlpatterns: list = []
