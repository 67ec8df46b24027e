"""Placeholder: routes added by a helper."""

urlpatterns = []
