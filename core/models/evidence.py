"""Evidence photos (UW-5, PUB-6, CLM-5, OUT-3): the original bytes are kept unchanged
with their SHA-256; only metadata-free derived copies are shown."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


def _evidence_path(instance, filename):
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}/{filename}"


class EvidencePhoto(models.Model):
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    org_unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("organisation unit"), on_delete=models.PROTECT
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    original = models.FileField(_("original"), upload_to=_evidence_path)
    original_name = models.CharField(_("original file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    image_format = models.CharField(_("format"), max_length=10)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    taken_at = models.DateTimeField(_("taken at (EXIF)"), null=True, blank=True)
    gps_latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    gps_longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    display = models.FileField(_("display copy"), upload_to=_evidence_path)
    thumbnail = models.FileField(_("thumbnail"), upload_to=_evidence_path)
    uploaded_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence photo")
        verbose_name_plural = _("evidence photos")
        ordering = ["uploaded_at"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="evidence_subject")]

    def __str__(self):
        return self.caption or self.original_name


class EvidenceVideo(models.Model):
    """A short video kept as evidence (PUB-6: a notice posting filmed in the village).
    Only recognised containers are accepted (core.evidence); the bytes are kept as
    received and served only through the scoped evidence view."""

    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    org_unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("organisation unit"), on_delete=models.PROTECT
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    file = models.FileField(_("video"), upload_to=_evidence_path)
    original_name = models.CharField(_("original file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    container = models.CharField(_("format"), max_length=10)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey("core.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence video")
        verbose_name_plural = _("evidence videos")
        ordering = ["uploaded_at"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="evidence_video_subject")
        ]

    def __str__(self):
        return self.caption or self.original_name
