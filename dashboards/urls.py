"""Dashboard pages."""

app_name = "dashboards"

urlpatterns = []
