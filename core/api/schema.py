"""OpenAPI naming for the HackSoft style: every view nests its own `InputSerializer` and
`OutputSerializer`, so the bare class names clash. A nested serializer is named after
its view instead (`CustomerCreateApi.InputSerializer` → `CustomerCreateApiInput`)."""

from drf_spectacular.openapi import AutoSchema


class NestedSerializerAutoSchema(AutoSchema):
    def get_serializer_name(self, serializer, direction) -> str:
        qualname = type(serializer).__qualname__
        if "." in qualname and "<locals>" not in qualname:
            return qualname.replace(".", "")
        return super().get_serializer_name(serializer, direction)
