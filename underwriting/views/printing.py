"""printing pages."""

urlpatterns: list = []
