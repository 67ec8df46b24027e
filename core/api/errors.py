"""One error format for the whole API:

{"error": {"code": "not_found", "message": "...", "fields": {...}}}
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    # Services raise Django's exceptions; turn them into DRF's so that they all carry a
    # code and a detail (core.access.NotInScope is an Http404).
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        first = next(iter(detail.values()), "")
        message = first[0] if isinstance(first, list) and first else str(first)
        body = {"code": "invalid", "message": str(message), "fields": detail}
    else:
        codes = exc.get_codes()
        body = {"code": codes if isinstance(codes, str) else "error", "message": str(exc.detail)}
    response.data = {"error": body}
    return response
