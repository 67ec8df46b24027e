"""The case list's filters, shared by the page and the API (django-filter)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from claims_assist.models import ClaimCase


class CaseFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(label=_("stage"), choices=ClaimCase.Stage.choices)

    class Meta:
        model = ClaimCase
        fields = ["stage"]
