"""The product's URLs plus GET /api/v1/ping/: a bare DRF APIView with the API's default
authentication, permission and throttling, returning {"ok": true}. The load bench
divides a typical endpoint's throughput by this one's (the framework's floor)."""

from django.urls import include, path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView


class PingApi(APIView):
    @extend_schema(responses=inline_serializer("Ping", fields={"ok": serializers.BooleanField()}))
    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("api/v1/ping/", PingApi.as_view(), name="api-ping"),
    path("", include("config.urls")),
]
