"""imports API."""

urlpatterns: list = []
