"""What the claims endpoints share: reading a request's body through its serializer."""

from rest_framework import serializers


def validated(serializer_class: type[serializers.Serializer], request, **kwargs) -> dict:
    """The request's body checked by `serializer_class` (the view's InputSerializer;
    `kwargs` such as partial=True go to it): a copy of the validated values, or a 400
    with the errors by field."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
