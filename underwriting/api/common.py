"""Serializers shared by the underwriting endpoints: the short references to a product
or a customer that policies embed, and the premium split fields."""

from rest_framework import serializers

from core.api.serializers import MaskedCharField
from underwriting.models import SubsidyLevel

# UW-4: the fields of models.PremiumSplit, in the order every output lists them.
PREMIUM_SPLIT_FIELDS = ["premium", "farmer_share", *SubsidyLevel.values]


class ProductRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    line = serializers.CharField()


class CustomerRefSerializer(serializers.Serializer):
    """An insured, applicant or organiser; the ID number masked (REG-3)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    id_number = MaskedCharField(kind="id_number")
