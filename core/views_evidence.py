"""Serves the derived copies of evidence photos; originals are never served (they keep
their EXIF, GPS position included). Evidence videos (PUB-6) are served as received, to
the users whose scope holds them."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from core.access import get_in_scope
from core.models import EvidencePhoto, EvidenceVideo
from core.videos import CONTENT_TYPES

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


@login_required
@require_safe
def evidence_video(request, pk: int) -> FileResponse:
    """PUB-6: a posting's video, for users whose scope holds it (a 404 otherwise)."""
    video = get_in_scope(EvidenceVideo, request.user, pk=pk)
    response = FileResponse(
        video.file.open("rb"),
        content_type=CONTENT_TYPES.get(video.container, "application/octet-stream"),
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response
