from django.urls import path

from core.api import views

urlpatterns = [
    path("me/", views.MeApi.as_view(), name="api-me"),
    path("org-units/", views.OrgUnitListApi.as_view(), name="api-org-unit-list"),
    path("org-units/<int:pk>/", views.OrgUnitDetailApi.as_view(), name="api-org-unit-detail"),
    path("timers/", views.TimerListApi.as_view(), name="api-timer-list"),
    path("timers/<int:pk>/", views.TimerDetailApi.as_view(), name="api-timer-detail"),
    path("timers/<int:pk>/pause/", views.TimerPauseApi.as_view(), name="api-timer-pause"),
    path("timers/<int:pk>/resume/", views.TimerResumeApi.as_view(), name="api-timer-resume"),
    path("notifications/", views.NotificationListApi.as_view(), name="api-notification-list"),
    path(
        "notifications/<int:pk>/read/",
        views.NotificationReadApi.as_view(),
        name="api-notification-read",
    ),
]
