"""OpenAPI naming for the HackSoft style: every view nests its own `InputSerializer` and
`OutputSerializer`, so the bare class names clash. A nested serializer is named after
its view instead (`CustomerCreateApi.InputSerializer` → `CustomerCreateApiInput`).

Plus the headers every operation of a kind takes, added by a postprocessing hook rather
than on each view: `Idempotency-Key` on POST (core.api.idempotency) and `If-Match` with
its 412 on PUT/PATCH (core.api.concurrency)."""

from drf_spectacular.openapi import AutoSchema


class NestedSerializerAutoSchema(AutoSchema):
    def get_serializer_name(self, serializer, direction) -> str:
        qualname = type(serializer).__qualname__
        if "." in qualname and "<locals>" not in qualname:
            return qualname.replace(".", "")
        return super().get_serializer_name(serializer, direction)


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Any string of 1 to 100 characters, unique per request you mean (e.g. a UUID). "
        "A retry with the same key and the same request gets the first response back "
        "(header `Idempotent-Replayed: true`) instead of running again; the same key with "
        "another request: 422; while the first is still running: 409. Keys are kept 24 "
        "hours, per caller. Ignored for anonymous callers."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 100},
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": (
        "The `ETag` you read the resource with. When someone changed it since, the "
        "request is refused with 412 and nothing changes. Optional: without it the "
        "last write wins."
    ),
    "schema": {"type": "string"},
}
ERROR_REF = {"$ref": "#/components/schemas/ApiError"}
API_ERROR = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {}},
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}


def document_idempotency_and_preconditions(result, generator, request, public):
    components = result.setdefault("components", {})
    components.setdefault("parameters", {})["IdempotencyKey"] = IDEMPOTENCY_KEY
    components["parameters"]["IfMatch"] = IF_MATCH
    components.setdefault("schemas", {}).setdefault("ApiError", API_ERROR)
    error = {"content": {"application/json": {"schema": ERROR_REF}}}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            if method == "post":
                operation.setdefault("parameters", []).append(
                    {"$ref": "#/components/parameters/IdempotencyKey"}
                )
                responses = operation.setdefault("responses", {})
                responses.setdefault(
                    "409", {"description": "A request with this key is still running", **error}
                )
                responses.setdefault(
                    "422", {"description": "The key was used for another request", **error}
                )
            elif method in ("put", "patch"):
                operation.setdefault("parameters", []).append(
                    {"$ref": "#/components/parameters/IfMatch"}
                )
                operation.setdefault("responses", {}).setdefault(
                    "412", {"description": "If-Match does not match the current ETag", **error}
                )
    return result
