"""Evidence photos (UW-5, PUB-6, CLM-5) and videos (PUB-6): attach a checked photo or
video to any business record."""

import os

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils.translation import gettext as _

from core.access import check_can_write
from core.models import EvidencePhoto, EvidenceVideo, OrgUnit, User
from core.photos import photo_check_size, photo_inspect
from core.videos import video_check_size, video_inspect

_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
_CAPTION_MAX = EvidencePhoto._meta.get_field("caption").max_length
_NAME_MAX = EvidencePhoto._meta.get_field("original_name").max_length


def _check_caption(caption: str) -> str:
    caption = caption.strip()
    if len(caption) > _CAPTION_MAX:
        raise ValidationError(
            _("The caption is too long (at most %(max)s characters)."),
            code="caption_too_long",
            params={"max": _CAPTION_MAX},
        )
    return caption


def evidence_photo_add(
    *,
    subject: models.Model,
    org_unit: OrgUnit,
    upload: UploadedFile,
    uploaded_by: User,
    caption: str = "",
) -> EvidencePhoto:
    """Check `upload` and keep it as evidence for `subject`, filed under `org_unit`.

    The original bytes are stored unchanged next to their SHA-256 so that the file can
    later be shown to be the one received; only the derived copies are ever displayed.
    """
    check_can_write(uploaded_by, org_unit)
    caption = _check_caption(caption)
    filename = os.path.basename(upload.name or "")[-_NAME_MAX:]
    # Refuse an oversized upload from its declared size, before reading it into memory.
    photo_check_size(size=upload.size or 0, filename=filename)
    upload.seek(0)
    data = upload.read(settings.PHOTO_MAX_BYTES + 1)
    inspected = photo_inspect(data=data, filename=filename)

    photo = EvidencePhoto(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        org_unit=org_unit,
        caption=caption,
        original_name=filename,
        sha256=inspected.sha256,
        image_format=inspected.image_format,
        width=inspected.width,
        height=inspected.height,
        taken_at=inspected.taken_at,
        gps_latitude=inspected.gps_latitude,
        gps_longitude=inspected.gps_longitude,
        uploaded_by=uploaded_by,
    )
    try:
        with transaction.atomic():
            # The storage path derives from photo.sha256, already set above.
            extension = _EXTENSIONS[inspected.image_format]
            photo.original.save(f"original.{extension}", ContentFile(data), save=False)
            photo.display.save("display.jpg", ContentFile(inspected.display), save=False)
            photo.thumbnail.save("thumb.jpg", ContentFile(inspected.thumbnail), save=False)
            photo.save()
    except Exception:
        # Files are not transactional: do not leave orphans behind a failed insert.
        for stored in (photo.original, photo.display, photo.thumbnail):
            if stored.name:
                stored.storage.delete(stored.name)
        raise
    return photo


def evidence_video_add(
    *,
    subject: models.Model,
    org_unit: OrgUnit,
    upload: UploadedFile,
    uploaded_by: User,
    caption: str = "",
) -> EvidenceVideo:
    """Check `upload` (PUB-6: MP4, MOV or WebM by content, at most
    settings.VIDEO_MAX_BYTES) and keep it unchanged, with its SHA-256, as evidence for
    `subject` filed under `org_unit`. Served only through the scoped `evidence_video`
    view."""
    check_can_write(uploaded_by, org_unit)
    caption = _check_caption(caption)
    filename = os.path.basename(upload.name or "")[-_NAME_MAX:]
    # Refuse an oversized upload from its declared size before reading any of it.
    video_check_size(size=upload.size or 0, filename=filename)
    inspected = video_inspect(stream=upload, size=upload.size, filename=filename)
    video = EvidenceVideo(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        org_unit=org_unit,
        caption=caption,
        original_name=filename,
        sha256=inspected.sha256,
        container=inspected.container,
        size=inspected.size,
        uploaded_by=uploaded_by,
    )
    try:
        with transaction.atomic():
            # The storage path derives from video.sha256, already set above.
            upload.seek(0)
            video.file.save(f"video.{inspected.container}", upload, save=False)
            video.save()
    except Exception:
        # Files are not transactional: do not leave an orphan behind a failed insert.
        if video.file.name:
            video.file.storage.delete(video.file.name)
        raise
    return video
