"""On-site verification (验标, UW-5): an inspection record with its photos.

Individual policies from the product's inspection quantity need one with a photo before
they are issued (services.policies.check_issue); group policies need one confirming the
subject for every household row flagged for verification before they are finalised
(services.group).
"""

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import check_can_write
from core.audit import save_with_reason
from core.evidence import evidence_photo_add
from core.models import EvidencePhoto, User
from core.photos import photo_check_size
from underwriting.models import HouseholdRow, Inspection, Policy
from underwriting.selectors import current_household_list

# A handful of photos (inspector, insured, subject, the plot or herd); more is a mistake.
MAX_PHOTOS = 10
LOCATION_MAX = Inspection._meta.get_field("location").max_length
# Inspections are recorded before a policy is issued or a group policy finalised.
OPEN_STATUSES = frozenset(
    {Policy.Status.QUOTED, Policy.Status.PENDING_PAYMENT, Policy.Status.LISTED}
)


def check_inspection_record(
    *,
    clerk: User,
    policy: Policy,
    inspected_on: dt.date,
    findings: str,
    photos: Sequence[UploadedFile],
    household: HouseholdRow | None,
    location: str,
) -> None:
    """Validate an inspection before anything is written; photo contents are checked
    when they are stored."""
    check_can_write(clerk, policy)
    errors: dict[str, list[str]] = {}
    if policy.status not in OPEN_STATUSES:
        errors.setdefault("policy", []).append(
            _("Inspections are recorded before the policy is issued; this policy is %(s)s.")
            % {"s": policy.get_status_display()}
        )
    if household is not None:
        household_list = current_household_list(policy=policy)
        if policy.kind != Policy.Kind.GROUP or household_list is None:
            errors.setdefault("household", []).append(
                _("Only the households of a group policy's accepted list are inspected.")
            )
        elif household.household_list_id != household_list.pk:
            errors.setdefault("household", []).append(
                _("This household is not on the policy's current list.")
            )
    if inspected_on > timezone.localdate():
        errors.setdefault("inspected_on", []).append(
            _("The inspection date cannot be in the future.")
        )
    if not findings.strip():
        errors.setdefault("findings", []).append(_("Describe what was found on site."))
    if len(location.strip()) > LOCATION_MAX:
        errors.setdefault("location", []).append(
            _("The location is too long (at most %(max)s characters).") % {"max": LOCATION_MAX}
        )
    if not photos:
        errors.setdefault("photos", []).append(
            _(
                "Attach at least one photo showing the inspector, the insured and the "
                "subject (UW-5)."
            )
        )
    elif len(photos) > MAX_PHOTOS:
        errors.setdefault("photos", []).append(
            _("Attach at most %(max)s photos.") % {"max": MAX_PHOTOS}
        )
    if errors:
        raise ValidationError(errors)
    for upload in photos:
        # Cheap, before anything is stored: an oversized file refuses the whole record.
        photo_check_size(size=upload.size or 0, filename=upload.name or "")


def inspection_record(
    *,
    clerk: User,
    policy: Policy,
    inspected_on: dt.date,
    findings: str,
    photos: Sequence[UploadedFile],
    household: HouseholdRow | None = None,
    location: str = "",
    confirmed: bool = True,
) -> Inspection:
    """UW-5: record an on-site inspection of `policy` (or of one `household` row of a
    group policy) with at least one photo, each checked by core.evidence (real image,
    size and pixel limits, orientation fixed, EXIF time kept).

    All or nothing: if any photo is refused, neither the inspection nor any photo row
    remains, and the files already stored for the earlier photos are deleted (files are
    not transactional; evidence_photo_add only cleans up after its own failure). Call it
    outside any other transaction so that the cleanup covers every way of failing.
    """
    check_inspection_record(
        clerk=clerk,
        policy=policy,
        inspected_on=inspected_on,
        findings=findings,
        photos=photos,
        household=household,
        location=location,
    )
    stored: list[EvidencePhoto] = []
    try:
        with transaction.atomic():
            inspection = Inspection(
                policy=policy,
                household=household,
                inspector=clerk,
                inspected_on=inspected_on,
                location=location.strip(),
                findings=findings.strip(),
                confirmed=confirmed,
            )
            save_with_reason(inspection, by=clerk)
            for upload in photos:
                stored.append(
                    evidence_photo_add(
                        subject=inspection,
                        org_unit=policy.org_unit,
                        upload=upload,
                        uploaded_by=clerk,
                    )
                )
    except Exception:
        for photo in stored:
            for file in (photo.original, photo.display, photo.thumbnail):
                if file.name:
                    file.storage.delete(file.name)
        raise
    return inspection
