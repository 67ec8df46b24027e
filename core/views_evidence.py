"""Serves the derived copies of evidence photos; originals are never served (they keep
their EXIF, GPS position included)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from core.access import get_in_scope
from core.models import EvidencePhoto

_VARIANT_FIELDS = {"display": "display", "thumb": "thumbnail"}


@login_required
@require_safe
def evidence_file(request, pk: int, variant: str) -> FileResponse:
    field = _VARIANT_FIELDS.get(variant)
    if field is None:
        raise Http404
    photo = get_in_scope(EvidencePhoto, request.user, pk=pk)
    response = FileResponse(getattr(photo, field).open("rb"), content_type="image/jpeg")
    # Evidence is scoped per user: shared caches must not keep it.
    response["Cache-Control"] = "private, max-age=3600"
    return response
