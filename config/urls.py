from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.views_audit import record_history
from core.views_evidence import evidence_file, evidence_video
from core.views_health import healthz

admin.site.site_header = _("Sannong Desk administration")
admin.site.site_title = _("Sannong Desk")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("audit/<str:model_label>/<int:pk>/", record_history, name="record_history"),
    # Evidence is private: only derived copies, only through the scoped view (REG-3).
    path("evidence/<int:pk>/<slug:variant>.jpg", evidence_file, name="evidence_file"),
    path("evidence/videos/<int:pk>/", evidence_video, name="evidence_video"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("core.api.urls")),
    path("api/v1/", include("underwriting.api.urls")),
    path("api/v1/", include("complaints.api.urls")),
    path("api/v1/", include("publicity.api.urls")),
    path("api/v1/", include("outlets.api.urls")),
    path("api/v1/", include("claims_assist.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("underwriting/", include("underwriting.urls")),
    path("complaints/", include("complaints.urls")),
    path("publicity/", include("publicity.urls")),
    path("outlets/", include("outlets.urls")),
    path("claims/", include("claims_assist.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("", include("core.urls")),
]
