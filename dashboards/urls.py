"""Dashboard pages."""

from django.urls import path, re_path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.index, name="index"),
    path("county/<int:pk>/", views.county, name="county"),
    path("outlet/<int:pk>/", views.outlet, name="outlet"),
    re_path(
        r"^(?P<kind>county|outlet)/(?P<pk>[0-9]+)/table/(?P<table_id>[a-z0-9-]+)\.xlsx$",
        views.table_xlsx,
        name="table_xlsx",
    ),
    re_path(r"^(?P<kind>county|outlet)/(?P<pk>[0-9]+)/pdf/$", views.page_pdf, name="pdf"),
]
